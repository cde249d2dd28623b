"""Helpers shared by the scripts in tests/stdnum: run `credpipe id`, read
the finding-code table of docs/identifiers.md, mask person IDs.

DESIGN: values go to `credpipe id --json` on stdin, one per line, in one
process per type, and come back one JSON object per line in the same
order; the echoed "input" ties each answer to its value, so a lost or
reordered line fails loudly instead of shifting every later verdict.
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.normpath(os.path.join(HERE, '..', '..'))
DOC_PATH = os.path.join(SOURCE_DIR, 'docs', 'identifiers.md')
CATEGORIES_PATH = os.path.join(SOURCE_DIR, 'data', 'uscc_categories.tsv')


def die(msg):
    print('%s: %s' % (os.path.basename(sys.argv[0]), msg), file=sys.stderr)
    sys.exit(1)


def run_id(binary, id_type, values):
    """Runs `credpipe id --type id_type --json` on values; returns the
    parsed results in input order."""
    for v in values:
        if '\n' in v or '\r' in v:
            die('internal: value with a line break cannot go through stdin')
    try:
        proc = subprocess.run(
            [binary, 'id', '--type', id_type, '--json'],
            input=''.join(v + '\n' for v in values).encode('utf-8'),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    except OSError as e:
        die('cannot run %s: %s' % (binary, e))
    # 0: all valid, 1: some invalid; anything else is a failure of the tool.
    if proc.returncode not in (0, 1):
        die('%s id --type %s exited %d: %s' % (
            binary, id_type, proc.returncode,
            proc.stderr.decode('utf-8', 'replace').strip()))
    lines = proc.stdout.decode('utf-8').splitlines()
    if len(lines) != len(values):
        die('credpipe id --type %s answered %d lines for %d values' % (
            id_type, len(lines), len(values)))
    out = []
    for i, (v, line) in enumerate(zip(values, lines)):
        r = json.loads(line)
        if r['input'] != v:
            die('credpipe id --type %s: answer %d is for another input' % (id_type, i))
        r['codes'] = {f['code']: f['severity'] for f in r['findings']}
        out.append(r)
    return out


def _code_span(cell):
    """The text between the first pair of backticks (a cell may go on
    after it, e.g. with a † marking a synthetic example)."""
    parts = cell.split('`')
    if len(parts) < 3:
        die('%s: table cell without a `code` span: %s' % (DOC_PATH, cell))
    return parts[1]


def documented_codes(path=DOC_PATH):
    """Rows of the finding-code table in docs/identifiers.md, as dicts:
    code, type, severity, verdict, example."""
    rows = []
    try:
        with open(path, encoding='utf-8') as f:
            for line in f:
                if not line.startswith('| `'):
                    continue
                cells = [c.strip() for c in line.strip().strip('|').split('|')]
                if len(cells) < 5:
                    die('%s: table row with fewer than 5 cells: %s' % (path, line.strip()))
                rows.append({
                    'code': _code_span(cells[0]),
                    'type': _code_span(cells[1]),
                    'severity': cells[2],
                    'verdict': cells[3],
                    'example': _code_span(cells[4]),
                })
    except OSError as e:
        die('cannot read %s: %s' % (path, e))
    if not rows:
        die('%s: no finding-code table rows found' % path)
    return rows


def mask(value):
    """First 6 and last 4 characters, as cp_id_mask(): generated person
    IDs are synthetic, but nothing personal-looking goes to a log."""
    if len(value) < 15:
        return '*' * len(value)
    return value[:6] + '*' * (len(value) - 10) + value[-4:]
