#!/usr/bin/env python3
"""Cut the small bundled sample (data/sample/) out of ../shared/data.

Deterministic: users are chosen by a seeded shuffle. Run from the repo root:
    python3 tools/sample/make_sample.py
The sample keeps each chosen user's full history, in the source's order.
"""
import csv, gzip, io, json, os, random, collections

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "data", "sample")
rng = random.Random(20261128)

def users_sample(rows, n_users):
    by = collections.OrderedDict()
    for r in rows:
        by.setdefault(r["user_id"], []).append(r)
    users = [u for u, rs in by.items() if len(rs) >= 3]
    rng.shuffle(users)
    keep = set(users[:n_users])
    return [r for r in rows if r["user_id"] in keep]

def write_jsonl(path, rows):
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

def main():
    os.makedirs(OUT, exist_ok=True)
    # English reviews, 5-core: users with >= 3 reviews.
    rows = [json.loads(l) for l in gzip.open(os.path.join(SHARED, "amazon-reviews-5core/reviews.jsonl.gz"), "rt", encoding="utf-8")]
    s = users_sample(rows, 450)
    for r in s:
        r.pop("source", None)
    write_jsonl(os.path.join(OUT, "amazon-reviews.jsonl.gz"), s)
    print("amazon-reviews", len(s), "rows", len({r["user_id"] for r in s}), "users")
    # English reviews across categories, with item titles.
    rows = [json.loads(l) for l in gzip.open(os.path.join(SHARED, "amazon-reviews-2023-multicat/reviews.jsonl.gz"), "rt", encoding="utf-8")]
    s = users_sample(rows, 120)
    for r in s:
        r.pop("source", None)
    write_jsonl(os.path.join(OUT, "amazon-multicat.jsonl.gz"), s)
    print("amazon-multicat", len(s), "rows", len({r["user_id"] for r in s}), "users")
    # Taobao click log: the first users in file order (the file is grouped by user).
    out = io.StringIO()
    users, n = set(), 0
    with gzip.open(os.path.join(SHARED, "taobao-userbehavior/UserBehavior.head-slice.csv.gz"), "rt") as f:
        for line in f:
            u = line.split(",", 1)[0]
            if u not in users and len(users) >= 120:
                break
            users.add(u)
            out.write(line)
            n += 1
    with gzip.open(os.path.join(OUT, "taobao-clicks.csv.gz"), "wt") as f:
        f.write(out.getvalue())
    print("taobao-clicks", n, "rows", len(users), "users")
    # Chinese reviews: no user ids in the source; keep the CSV as is (replay assigns ids, see docs).
    with gzip.open(os.path.join(SHARED, "online-shopping-10-cats/online_shopping_10_cats.csv.gz"), "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    rng.shuffle(body)
    body = body[:1500]
    with gzip.open(os.path.join(OUT, "chinese-reviews.csv.gz"), "wt", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(head)
        w.writerows(body)
    print("chinese-reviews", len(body), "rows")
    rees46()

def rees46():
    """REES46 clicks with readable category codes and brands: the complete histories (within the
    2 h 50 min slice) of the first 300 users, in order of first appearance, with >= 3 events.
    The lines are copied unchanged (CRLF endings, header); gzip without a timestamp."""
    path = os.path.join(SHARED, "rees46-ecommerce/rees46-2019-Oct.head-slice.csv.gz")
    with gzip.open(path, "rb") as f:
        lines = f.read().split(b"\n")
    head, body = lines[0], [l for l in lines[1:] if l.strip()]
    by = collections.OrderedDict()
    for l in body:
        by.setdefault(l.split(b",")[7], []).append(l)
    keep = set([u for u, ls in by.items() if len(ls) >= 3][:300])
    out = [l for l in body if l.split(b",")[7] in keep]
    with open(os.path.join(OUT, "rees46-clicks.csv.gz"), "wb") as raw:
        with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
            f.write(b"\n".join([head] + out) + b"\n")
    print("rees46-clicks", len(out), "rows", len(keep), "users")

if __name__ == "__main__":
    main()
