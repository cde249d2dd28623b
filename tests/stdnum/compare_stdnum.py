#!/usr/bin/python3
"""Cross-checks `credpipe id` against python-stdnum (Debian python3-stdnum,
1.18 on Debian 12): stdnum.cn.uscc and stdnum.cn.ric.

usage: compare_stdnum.py CREDPIPE [--seed N] [--scale N] [-v]

Generates a few thousand USCCs and resident ID numbers (RICs), valid and
damaged in the ways feeds damage them, runs `credpipe id --type uscc|ric
--json` on them, asks stdnum's is_valid(), and sorts every case into
"agree" or one documented disagreement class. Exits 1 on any disagreement
no class explains, and when stdnum is not importable (install the Debian
package python3-stdnum; scripts/setup.sh does).

DESIGN: a class is not a label the generator attached: it is a predicate
over the value, checked independently here (GB 11714 and mod-31
arithmetic, the department table in data/uscc_categories.tsv, stdnum's
own region table and exception type), together with what credpipe must
have said for that cause. A bug on either side therefore shows up as
UNEXPLAINED rather than hiding in a class. The classes (docs/identifiers.md
"Differences from python-stdnum" has the reasoning):

  stdnum rejects, we accept
    letter department      stdnum requires positions 1-8 to be digits, so
                           A/N/Y (core) and G/J/Q (extended) departments
                           fail (domain.md §1.5.1, §1.10)
    permit 81/82/83        HK/Macao/Taiwan residence permits (§2.5)
    region not in stdnum   RIC address codes missing from stdnum's GB/T
                           2260 county list (province- or prefecture-level
                           codes, codes we only check by province, §2.3)
    legacy 15 / masked     stdnum.cn.ric knows 18 digits only (§2.4, §2.6)
    OCR repair             O/I/Z/S repaired when both checks then pass
                           (§1.9 step 4)
    stdnum keeps ...       characters our cleaning removes and stdnum's
                           does not (§3.2, §3.3): full-width LETTERS (its
                           clean() maps full-width digits only), quotes and
                           apostrophes, zero-width characters, '_' '/' '.',
                           and for cn.ric inner spaces and hyphens (its
                           compact() removes none)
  stdnum accepts, we reject
    org-code check         stdnum checks position 18 only, not the GB 11714
                           check at position 17 (§1.7.2, §7)
    undefined pair         stdnum checks no department/category table
                           (§1.5, §7)
    placeholder            000000000000000000 passes mod 31 but is a null
                           placeholder (§3.8)
"""

import argparse
import datetime
import os
import random
import sys
from collections import Counter, defaultdict

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import idcli  # noqa: E402

try:
    import stdnum
    from stdnum import numdb
    from stdnum.cn import ric as st_ric
    from stdnum.cn import uscc as st_uscc
    from stdnum.exceptions import ValidationError
    from stdnum.util import clean as st_clean
except ImportError as e:
    idcli.die('python-stdnum is not importable (%s): install the Debian package '
              'python3-stdnum (scripts/setup.sh installs it) and run with '
              '/usr/bin/python3' % e)

S31 = '0123456789ABCDEFGHJKLMNPQRTUWXY'            # domain.md §1.3
ORG_W = (3, 7, 9, 10, 5, 8, 4, 2)                   # §1.7.1
RIC_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PROVINCES = ('11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 '
             '50 51 52 53 54 61 62 63 64 65').split()

# ---- independent arithmetic -------------------------------------------------


def org_value(c):
    return int(c) if c.isdigit() else ord(c) - ord('A') + 10   # A=10 … Z=35


def org_check(body8):
    c = 11 - sum(org_value(ch) * w for ch, w in zip(body8, ORG_W)) % 11
    return 'X' if c == 10 else '0' if c == 11 else str(c)


def org_ok(code9):
    return (len(code9) == 9 and all(ch.isdigit() or 'A' <= ch <= 'Z' for ch in code9[:8])
            and org_check(code9[:8]) == code9[8])


def uscc_check(s17):
    total = sum(S31.index(ch) * pow(3, i, 31) for i, ch in enumerate(s17))
    return S31[(31 - total % 31) % 31]


def ric_check(s17):
    return '10X98765432'[sum(int(ch) * w for ch, w in zip(s17, RIC_W)) % 11]


def is_placeholder(s):
    """§3.8 forms a mod-31 check can pass: one repeated character, or zeros
    and one last character."""
    return len(s) >= 2 and (len(set(s)) == 1 or (len(s) >= 8 and set(s[:-1]) == {'0'}))


def load_pairs(path):
    pairs = {}
    with open(path, encoding='utf-8-sig') as f:
        for line in f:
            cells = line.rstrip('\r\n').split('\t')
            if line.startswith('#') or len(cells) != 3 or cells[0] == 'pair':
                continue
            pairs[cells[0]] = cells[1]
    if not pairs:
        idcli.die('%s: no pairs' % path)
    return pairs


STD_LOC = numdb.get('cn/loc')


def stdnum_has_region(code6):
    return bool(STD_LOC.info(code6)[0][1])


def stdnum_error(validate, value):
    """Name of the exception stdnum's validate() raises, None if valid."""
    try:
        validate(value)
        return None
    except ValidationError as e:
        return type(e).__name__


# ---- generation ---------------------------------------------------------------


class Gen:
    def __init__(self, rng, pairs):
        self.r = rng
        self.core = sorted(p for p, s in pairs.items() if s == 'core')
        self.ext = sorted(p for p, s in pairs.items() if s == 'extended')
        self.undefined = sorted(a + b for a in S31 for b in S31 if a + b not in pairs)
        # stdnum's county list: RICs with these regions are within its rules.
        with open(os.path.join(os.path.dirname(stdnum.__file__), 'cn', 'loc.dat'),
                  encoding='utf-8') as f:
            self.counties = sorted(line.split()[0] for line in f if line[:1].isdigit())

    def digits(self, n):
        return ''.join(self.r.choice('0123456789') for _ in range(n))

    def region(self):
        return ('10' if self.r.random() < 0.05 else self.r.choice(PROVINCES)) + self.digits(4)

    def uscc(self, pair=None, region=None, body=None, digit_body=False):
        pair = pair or self.r.choice(self.core)
        region = region or self.region()
        if body is None:
            syms = '0123456789' if digit_body else S31
            body = ''.join(self.r.choice(syms) for _ in range(8))
        s17 = pair + region + body + org_check(body)
        return s17 + uscc_check(s17)

    def ric(self, region=None, date=None):
        region = region or self.r.choice(self.counties)
        if date is None:
            date = datetime.date(1900, 1, 1) + datetime.timedelta(days=self.r.randrange(45000))
            date = date.strftime('%Y%m%d')
        s17 = region + date + self.digits(3)
        return s17 + ric_check(s17)


FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}


def dirty_forms(v):
    """Spellings of v that feeds produce. Each uses one kind of dirt, so
    that a disagreement names one cause."""
    fw_digits = ''.join(FULLWIDTH[c] if c.isdigit() else c for c in v)
    return [
        ('lower', v.lower()),
        ('full-width digits', fw_digits),
        ('full-width', ''.join(FULLWIDTH[c] for c in v)),
        ('full-width lower', ''.join(FULLWIDTH[c] for c in v.lower())),
        ('spaces', ' '.join(v[i:i + 4] for i in range(0, len(v), 4))),
        ('edge spaces', '  ' + v + ' '),
        ('hyphens', '-'.join(v[i:i + 6] for i in range(0, len(v), 6))),
        ('ideographic/nbsp spaces', v[:6] + '\u3000' + v[6:12] + '\u00a0' + v[12:]),
        ('en dash', v[:8] + '\u2013' + v[8:]),
        ('mixed stdnum-clean', fw_digits[:9].lower() + ' ' + v[9:].lower()),
        ('apostrophe', "'" + v),
        ('excel ="..."', '="' + v + '"'),
        ('curly quotes', '\u201c' + v + '\u201d'),
        ('zero-width', v[:5] + '\u200b' + v[5:] + '\ufeff'),
        ('underscore', v[:9] + '_' + v[9:]),
        ('slash', v[:9] + '/' + v[9:]),
        ('dots', v[:4] + '.' + v[4:10] + '.' + v[10:]),
    ]


def mutate_sub(r, v, alphabet):
    i = r.randrange(len(v))
    return v[:i] + r.choice([c for c in alphabet if c != v[i]]) + v[i + 1:]


def mutate_swap(r, v):
    for _ in range(50):
        i = r.randrange(len(v) - 1)
        if v[i] != v[i + 1]:
            return v[:i] + v[i + 1] + v[i] + v[i + 2:]
    return v


REAL_USCC = [   # domain.md §7: publicly quoted codes and the pilot-era ones
    '914403001922038216', '91110108795101314G', '91330106673959654P',
    '91440300708461136T', '91330100716105852F', '91110000802100433B',
    '91310000132260250X', '91110108551385082Q', '9135020026015919XW',
    '12100000425006133D', '11341700MB1915595L', '53640000MJX173672F',
    '92340602MA2PBMEM24', '121200004013590816', '9111010258083510X9',
    '91350100M000100Y43', '91110000600037341L', '91310104MA7077K200',
    '91350211M0000XUF46', '91350100M0001TGQXM', '91350203M0001FUE2P',
    '91350211M00013FA1N', '91350100M000100Y4Z', '91440300192203825J',
    '94440300192203821W', '914A0300192203821Y', '91110108MA01FQ8B0B',
    # digits-E-digits: once misread as Excel notation (bug fixed with this test)
    '91440300123413E158',
]


def gen_uscc_cases(g, scale):
    r = g.r
    cases = [(v, 'real/vector') for v in REAL_USCC]
    add = cases.append
    for _ in range(400 * scale):
        add((g.uscc(), 'valid core'))
    for _ in range(60 * scale):
        add((g.uscc(digit_body=True), 'valid digit-only'))
    for d in 'ANY':
        for p in [p for p in g.core if p[0] == d]:
            for _ in range(15 * scale):
                add((g.uscc(pair=p), 'valid A/N/Y department'))
    for p in g.ext:
        for _ in range(8 * scale):
            add((g.uscc(pair=p), 'extended pair'))
    # 9-x: market regulation has categories 1-3 (and 9, extended) only.
    nine_x = [p for p in g.undefined if p[0] == '9' and p[1].isdigit()]
    for _ in range(120 * scale):
        add((g.uscc(pair=r.choice(nine_x)), 'undefined 9-x pair'))
    digit_pairs = [p for p in g.undefined if p.isdigit()]
    for _ in range(60 * scale):
        add((g.uscc(pair=r.choice(digit_pairs)), 'undefined digit pair'))
    for _ in range(40 * scale):
        add((g.uscc(pair=r.choice(g.undefined)), 'undefined pair'))
    for _ in range(40 * scale):
        prov = r.choice(['99', '81', '71', '00', '20'])
        add((g.uscc(region=prov + g.digits(4)), 'unknown province'))
    # Org-code check failures with a consistent mod-31 check: another check
    # character (digit, X or any other symbol) at position 17.
    for _ in range(200 * scale):
        v = g.uscc(digit_body=r.random() < 0.3)
        bad = r.choice([c for c in (S31 if r.random() < 0.3 else '0123456789X')
                        if c != v[16]])
        s17 = v[:16] + bad
        add((s17 + uscc_check(s17), 'org-code check failure'))
    for _ in range(100 * scale):
        v = g.uscc()
        add((v[:17] + r.choice([c for c in S31 if c != v[17]]), 'mod-31 failure'))
    for _ in range(40 * scale):
        v = g.uscc(pair=r.choice(nine_x))
        add((v[:16] + r.choice([c for c in '0123456789X' if c != v[16]]) + v[17],
             'pair and checks wrong'))
    for _ in range(150 * scale):
        add((mutate_sub(r, g.uscc(), S31 + 'IOSVZ'), 'substitution'))
    for _ in range(150 * scale):
        add((mutate_swap(r, g.uscc()), 'transposition'))
    # O/I/Z/S typed for 0/1/2/5: repairable when it is the only damage.
    conf = {'0': 'O', '1': 'I', '2': 'Z', '5': 'S'}
    for _ in range(80 * scale):
        v = g.uscc()
        idx = [i for i, c in enumerate(v) if c in conf]
        if idx:
            i = r.choice(idx)
            add((v[:i] + conf[v[i]] + v[i + 1:], 'confusable'))
    for _ in range(30 * scale):
        v = g.uscc()
        i = r.randrange(8, 18)
        add((v[:i] + r.choice('IOSVZ') + v[i + 1:], 'forbidden letter'))
    for _ in range(30 * scale):
        v = g.uscc()
        i = r.randrange(2, 8)
        add((v[:i] + r.choice('ABCDEFGHJK') + v[i + 1:], 'letter in region'))
    for _ in range(20 * scale):
        v = g.uscc()
        add((v[:17], 'length 17'))
        add((v + r.choice(S31), 'length 19'))
    for _ in range(60 * scale):
        for how, d in dirty_forms(g.uscc(pair=r.choice(g.core + ['A1', 'N2', 'Y1']))):
            add((d, 'form: ' + how))
    add(('000000000000000000', 'placeholder'))
    add(('00000000000000000X', 'placeholder'))
    add(('111111111111111111', 'placeholder'))
    add(('9.14403E+17', 'excel'))
    add(('914403001922038000', 'excel'))
    for _ in range(20 * scale):
        add((g.ric(), 'person ID in USCC column'))
    add(('330100400015575', 'reg. no. in USCC column'))
    add(('19220382-1', 'org code in USCC column'))
    # digits, one E, digits: no Excel number (see REAL_USCC)
    for _ in range(20 * scale):
        body = g.digits(3) + 'E' + g.digits(4)
        v = g.uscc(body=body)
        if v[16:].isdigit():
            add((v, 'digits-E-digits'))
    return cases


def gen_ric_cases(g, scale):
    r = g.r
    cases = []
    add = cases.append
    for _ in range(500 * scale):
        add((g.ric(), 'valid'))
    for code in ('810000', '820000', '830000'):
        for _ in range(25 * scale):
            add((g.ric(region=code), 'residence permit'))
    for _ in range(60 * scale):
        prov = r.choice(PROVINCES)
        region = r.choice([prov + '0000', prov + g.digits(2) + '00', prov + '9999'])
        add((g.ric(region=region), 'region outside stdnum table'))
    for _ in range(30 * scale):
        add((g.ric(region=r.choice(['71', '99', '00', '19']) + g.digits(4)),
             'unknown province'))
    bad_dates = ['19900230', '19000229', '21000229', '19990229', '20010431', '19851301',
                 '19850001', '19850100', '19850132', '00000101', '19851131']
    good_edges = ['20000229', '19040229', '18800101', '18500615', '18791231', '20900101',
                  '00010101']
    for _ in range(15 * scale):
        for d in bad_dates:
            add((g.ric(date=d), 'bad date'))
        for d in good_edges:
            add((g.ric(date=d), 'date edge'))
    for _ in range(100 * scale):
        v = g.ric()
        add((v[:17] + r.choice([c for c in '0123456789X' if c != v[17]]), 'wrong check'))
    for _ in range(150 * scale):
        add((mutate_sub(r, g.ric(), '0123456789X'), 'substitution'))
    for _ in range(150 * scale):
        add((mutate_swap(r, g.ric()), 'transposition'))
    for _ in range(20 * scale):
        v = g.ric()
        add((v[:17], 'length 17'))
        add((v + g.digits(1), 'length 19'))
        i = r.randrange(17)
        add((v[:i] + r.choice('ABCX') + v[i + 1:], 'letter in body'))
    for k in range(60 * scale):
        v = g.ric()
        while k % 3 == 0 and v[17] != 'X':   # x and ｘ need an X check
            v = g.ric()
        for how, d in dirty_forms(v):
            add((d, 'form: ' + how))
    for _ in range(20 * scale):
        v = g.ric(date='19' + g.digits(2) + '0615')
        add((v[:6] + v[8:17], 'legacy 15-digit'))
        add((v[:6] + '********' + v[14:], 'masked'))
        add((v[:10] + 'xxxx' + v[14:], 'masked'))
    for _ in range(20 * scale):
        v = g.ric()
        if ric_check(v[:17]) != v[17]:
            continue
        add((v[:15] + '000', 'excel'))
    return cases


# ---- classification -----------------------------------------------------------

ZERO_WIDTH = set('\u200b\u200c\u200d\u2060\ufeff')
QUOTES = set('\'`"\u00b4\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u2032\u2033')
SEPARATORS = set('_/.')
CONFUSABLE = str.maketrans('OIZS', '0125')


def fullwidth_letters(raw):
    return any('\uff21' <= c <= '\uff3a' or '\uff41' <= c <= '\uff5a' for c in raw)


def our_clean(raw, ric):
    """Removes/maps what our cleaning handles beyond stdnum's, then applies
    stdnum's own compact(): if the result is our canonical form, the
    disagreement is exactly the cleaning difference."""
    s = ''.join(chr(ord(c) - 0xFEE0) if 0xFF01 <= ord(c) <= 0xFF5E else c for c in raw)
    s = ''.join(c for c in s if c not in ZERO_WIDTH and c not in QUOTES
                and c not in SEPARATORS)
    if s.startswith('='):
        s = s[1:]
    if ric:
        # cn.ric's compact() deletes nothing; ours deletes spaces and dashes.
        return st_clean(s, ' -').upper().strip()
    return st_uscc.compact(s)


def norm_causes(raw, st_compact, ric):
    causes = []
    if fullwidth_letters(raw):
        causes.append('full-width letters (§3.2)')
    if any(c in QUOTES for c in raw) or raw.startswith('='):
        causes.append('quotes/apostrophes (§3.2)')
    if any(c in ZERO_WIDTH for c in raw):
        causes.append('zero-width characters (§3.2)')
    if any(c in SEPARATORS for c in raw):
        causes.append("'_' '/' '.' (§3.3)")
    if ric and (' ' in st_compact.strip() or '-' in st_compact):
        causes.append('inner spaces/hyphens, cn.ric (§3.3)')
    return causes


def classify_uscc(raw, ours, pairs):
    """Returns (class, explained)."""
    st_valid = st_uscc.is_valid(raw)
    if ours['valid'] == st_valid:
        if st_valid and ours['normalized'] != st_uscc.compact(raw):
            return 'both valid, canonical forms differ', False
        return ('agree: both valid' if st_valid else 'agree: both invalid'), True
    n = ours['normalized']
    c = st_uscc.compact(raw)
    if ours['valid']:
        err = stdnum_error(st_uscc.validate, n)
        if err is None:
            # Same identifier; only the cleaning of raw differs.
            if 'repaired_confusable' in ours['codes']:
                if our_clean(raw, False).translate(CONFUSABLE) == n:
                    return 'stdnum rejects O/I/Z/S we repair (§1.9 step 4)', True
                return 'OCR repair unexplained', False
            causes = norm_causes(raw, c, False)
            if causes and our_clean(raw, False) == n:
                return 'stdnum keeps ' + ' + '.join(causes), True
            return 'cleaning differs, unexplained', False
        cleaned = our_clean(raw, False)
        if 'repaired_confusable' in ours['codes']:
            cleaned = cleaned.translate(CONFUSABLE)
        if (err == 'InvalidFormat' and cleaned == n and n[0] in S31[10:]
                and n[1:8].isdigit() and pairs.get(n[:2]) in ('core', 'extended')):
            return 'stdnum rejects letter department %s (§1.5, §1.10)' % (
                'A/N/Y' if pairs[n[:2]] == 'core' else 'G/J/Q'), True
        return 'we accept, stdnum rejects: unexplained', False
    # We reject what stdnum accepts: c passed mod 31 and has no I/O/S/V/Z.
    # Our cleaning removes more than stdnum's, so it must have found c too.
    reason = ours['reason']
    if ours['usable'] and n != c:
        return 'we reject, stdnum accepts, canonical forms differ', False
    if is_placeholder(c):
        return ('stdnum accepts placeholder %s (§3.8)' % c, reason == 'placeholder')
    if not org_ok(c[8:17]):
        ok = ('orgcode_check_failed' in ours['codes']
              or reason in ('uscc_looks_like_ric', 'excel_precision_loss'))
        return 'stdnum accepts org-code (pos 17) check failure (§1.7.2, §7)', ok
    if c[:2] not in pairs:
        return ('stdnum accepts undefined department/category pair (§1.5, §7)',
                reason == 'category_unknown')
    return 'we reject, stdnum accepts: unexplained', False


def date_ok(yyyymmdd):
    try:
        datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
        return True
    except ValueError:
        return False


def classify_ric(raw, ours):
    st_valid = st_ric.is_valid(raw)
    if ours['valid'] == st_valid:
        if st_valid and ours['normalized'] != st_ric.compact(raw):
            return 'both valid, canonical forms differ', False
        return ('agree: both valid' if st_valid else 'agree: both invalid'), True
    n = ours['normalized']
    if not ours['valid']:
        return 'we reject, stdnum accepts: unexplained', False
    if ours['type'] == 'ric_masked':
        return 'masked number: stdnum knows full numbers only (§2.6)', True
    if 'ric15_converted' in ours['codes']:
        return 'legacy 15-digit: stdnum knows 18 digits only (§2.4)', True
    err = stdnum_error(st_ric.validate, n)
    if err is None:
        causes = norm_causes(raw, st_ric.compact(raw), True)
        if causes and our_clean(raw, True) == n:
            return 'stdnum keeps ' + ' + '.join(causes), True
        return 'cleaning differs, unexplained', False
    if (err == 'InvalidComponent' and our_clean(raw, True) == n and date_ok(n[6:14])
            and not stdnum_has_region(n[:6])):
        if n[:2] in ('81', '82', '83'):
            return 'stdnum rejects 81/82/83 residence permits (§2.5)', True
        return 'stdnum rejects region missing from its GB/T 2260 table (§2.3)', True
    return 'we accept, stdnum rejects: unexplained', False


# ---- main -------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('credpipe', help='path of the credpipe binary')
    ap.add_argument('--seed', type=int, default=20151001)
    ap.add_argument('--scale', type=int, default=1, help='multiplies the case counts')
    ap.add_argument('-v', '--verbose', action='store_true',
                    help='also list the generator labels per class')
    args = ap.parse_args()

    pairs = load_pairs(idcli.CATEGORIES_PATH)
    documented = {row['code'] for row in idcli.documented_codes()}
    g = Gen(random.Random(args.seed), pairs)
    sets = {
        'uscc': gen_uscc_cases(g, args.scale),
        'ric': gen_ric_cases(g, args.scale),
    }
    counts = defaultdict(Counter)
    labels = defaultdict(Counter)
    unexplained = []
    undocumented = Counter()
    for kind, cases in sets.items():
        results = idcli.run_id(args.credpipe, kind, [v for v, _ in cases])
        for (value, label), ours in zip(cases, results):
            for code in ours['codes']:
                if code not in documented:
                    undocumented[code] += 1
            if kind == 'uscc':
                cls, ok = classify_uscc(value, ours, pairs)
            else:
                cls, ok = classify_ric(value, ours)
            if not ok:
                cls = 'UNEXPLAINED: ' + cls
                unexplained.append((kind, value, label, ours))
            counts[cls][kind] += 1
            labels[cls]['%s: %s' % (kind, label)] += 1

    print('python-stdnum %s (stdnum.cn.uscc, stdnum.cn.ric) vs %s id, seed %d: '
          '%d USCC and %d RIC cases' % (stdnum.__version__, os.path.basename(args.credpipe),
                                         args.seed, len(sets['uscc']), len(sets['ric'])))
    if stdnum.__version__ != '1.18':
        print('note: the classes were established against stdnum 1.18')
    width = max(len(c) for c in counts) + 2
    print('\n%-*s %6s %6s' % (width, 'class', 'uscc', 'ric'))
    order = sorted(counts, key=lambda c: (c.startswith('UNEXPLAINED'),
                                          not c.startswith('agree'), c))
    for cls in order:
        print('%-*s %6d %6d' % (width, cls, counts[cls]['uscc'], counts[cls]['ric']))
        if args.verbose:
            for label, n in labels[cls].most_common():
                print('    %-*s %6d' % (width - 4, label, n))
    print('%-*s %6d %6d' % (width, 'total', len(sets['uscc']), len(sets['ric'])))

    status = 0
    if undocumented:
        status = 1
        print('\nfinding codes missing from docs/identifiers.md: %s' %
              ', '.join(sorted(undocumented)))
    if unexplained:
        status = 1
        print('\n%d UNEXPLAINED disagreements (first 20):' % len(unexplained))
        for kind, value, label, ours in unexplained[:20]:
            shown = idcli.mask(value) if kind == 'ric' else value
            print('  %s %r [%s]: ours valid=%s reason=%s codes=%s; stdnum %s' % (
                kind, shown, label, ours['valid'], ours['reason'], sorted(ours['codes']),
                stdnum_error(st_uscc.validate if kind == 'uscc' else st_ric.validate,
                             value) or 'valid'))
    if status == 0:
        print('\nevery disagreement falls into a documented class')
    return status


if __name__ == '__main__':
    sys.exit(main())
