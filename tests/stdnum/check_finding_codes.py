#!/usr/bin/python3
"""Checks that `credpipe id` reports every finding code of
docs/identifiers.md with the documented severity and verdict.

usage: check_finding_codes.py CREDPIPE

DESIGN: the finding-code table of docs/identifiers.md carries one example
per code and identifier type. tests/unit/test_ids.c runs the examples
through the library; this script runs them through the command, so that a
finding the library records but the command drops, or prints with another
severity, fails a test. Needs no python-stdnum.

It also checks `credpipe id --categories FILE`: a table that confirms the
pair 9-4 turns category_unknown into valid, and a malformed table stops the
command with exit 2 and a message naming file and line.
"""

import os
import subprocess
import sys
import tempfile
from collections import defaultdict

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import idcli  # noqa: E402

VERDICTS = {
    'valid': (True, True),
    'usable': (False, True),
    'rejected': (False, False),
    'absent': (False, False),
}


def check_categories_option(binary):
    """@returns the number of failures."""
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, 'good.tsv')
        bad = os.path.join(tmp, 'bad.tsv')
        with open(good, 'w', encoding='utf-8') as f:
            f.write('pair\tstatus\tdescription\n94\tcore\tconfirmed later\n')
        with open(bad, 'w', encoding='utf-8') as f:
            f.write('91\tcore\tenterprise\n94\tcore\n')
        p = subprocess.run([binary, 'id', '--categories', good, '--type', 'uscc',
                            '94440300192203821W'], capture_output=True, check=False)
        if p.returncode != 0 or b'\tvalid\t' not in p.stdout:
            failures += 1
            print('FAIL --categories with pair 94: exit %d, %r' % (p.returncode, p.stdout))
        p = subprocess.run([binary, 'id', '--categories', bad, '914403001922038216'],
                           capture_output=True, check=False)
        want = ('%s:2: expected 3 tab-separated columns' % bad).encode()
        if p.returncode != 2 or want not in p.stderr or p.stdout:
            failures += 1
            print('FAIL --categories with a bad table: exit %d, %r' % (
                p.returncode, p.stderr.splitlines()[:1]))
    return failures


def main():
    if len(sys.argv) != 2:
        idcli.die('usage: check_finding_codes.py CREDPIPE')
    rows = idcli.documented_codes()
    by_type = defaultdict(list)
    for row in rows:
        if row['verdict'] not in VERDICTS:
            idcli.die('docs/identifiers.md: %s: unknown verdict %r' % (row['code'], row['verdict']))
        by_type[row['type']].append(row)
    failures = 0
    for id_type, trows in sorted(by_type.items()):
        results = idcli.run_id(sys.argv[1], id_type, [r['example'] for r in trows])
        for row, res in zip(trows, results):
            valid, usable = VERDICTS[row['verdict']]
            problems = []
            if res['codes'].get(row['code']) != row['severity']:
                problems.append('finding %s/%s missing (got %s)' % (
                    row['code'], row['severity'],
                    ', '.join('%s/%s' % kv for kv in sorted(res['codes'].items())) or 'none'))
            if (res['valid'], res['usable']) != (valid, usable):
                problems.append('valid=%s usable=%s, documented %s' % (
                    res['valid'], res['usable'], row['verdict']))
            if row['verdict'] in ('rejected', 'absent') and res['reason'] != row['code']:
                problems.append('reason %s, documented %s' % (res['reason'], row['code']))
            if problems:
                failures += 1
                print('FAIL %s (--type %s, example %s): %s' % (
                    row['code'], id_type, idcli.mask(row['example']) if id_type == 'ric'
                    else row['example'], '; '.join(problems)))
    failures += check_categories_option(sys.argv[1])
    codes = {r['code'] for r in rows}
    print('%d documented rows, %d distinct finding codes, %d failures' % (
        len(rows), len(codes), failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
