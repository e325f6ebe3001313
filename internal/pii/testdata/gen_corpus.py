#!/usr/bin/env python3
"""Generate pii_corpus.jsonl: labelled positive and look-alike negative review sentences.

The values are made up here, independently of the Go scrubber: check digits (Luhn, ISO 7064
MOD 11-2, IBAN MOD 97, UPU S10) are computed in this script, and every span is recorded by its
byte offsets in the UTF-8 text. Run from this folder:  /usr/bin/python3 gen_corpus.py
The output is committed; Go tests never run Python.
"""
import json
import random

R = random.Random(20261128)

# ---------- value generators (with their own checksums) ----------

def luhn_complete(prefix, length):
    digits = prefix + "".join(R.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for c in "0123456789":
        d = digits + c
        s, dbl = 0, False
        for ch in reversed(d):
            v = int(ch)
            if dbl:
                v *= 2
                if v > 9:
                    v -= 9
            s += v
            dbl = not dbl
        if s % 10 == 0:
            return d
    raise AssertionError

def luhn_ok(d):
    s, dbl = 0, False
    for ch in reversed(d):
        v = int(ch)
        if dbl:
            v *= 2
            if v > 9:
                v -= 9
        s += v
        dbl = not dbl
    return s % 10 == 0

def group(d, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(d[i:i + n]); i += n
    if i < len(d):
        out.append(d[i:])
    return sep.join(out)

def card():
    kind = R.choice(["visa", "visa", "mc", "mc", "amex", "disc", "up", "up19", "jcb", "mc2"])
    if kind == "visa": d = luhn_complete("4" + R.choice("0123456789"), 16)
    elif kind == "mc": d = luhn_complete("5" + R.choice("12345"), 16)
    elif kind == "mc2": d = luhn_complete("2" + R.choice(["221", "300", "500", "720"]), 16)
    elif kind == "amex": d = luhn_complete("3" + R.choice("47"), 15)
    elif kind == "disc": d = luhn_complete("6011", 16)
    elif kind == "up": d = luhn_complete("62" + R.choice("0123458"), 16)
    elif kind == "up19": d = luhn_complete("62", 19)
    else: d = luhn_complete("35" + R.choice("2345678"), 16)
    fmt = R.choice(["plain", "space", "dash", "space"])
    if fmt == "plain": return d
    sep = " " if fmt == "space" else "-"
    if len(d) == 15: return group(d, [4, 6, 5], sep)
    return group(d, [4, 4, 4, 4], sep)

def bad_card():
    """16 digits with a card prefix that fail Luhn."""
    while True:
        d = R.choice("456") + "".join(R.choice("0123456789") for _ in range(15))
        if not luhn_ok(d):
            return R.choice([d, group(d, [4, 4, 4, 4], " ")])

REGIONS = ["110101", "110105", "120101", "130102", "310101", "310115", "320102", "330106", "340102",
           "350203", "370202", "410105", "420106", "440106", "440305", "450103", "500103", "510104",
           "530102", "610113", "620102", "650102", "210202", "230103"]
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

def cnid_check(body):
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, W)) % 11]

def cn_id(lower_x=False):
    y = R.randint(1950, 2008); m = R.randint(1, 12); dd = R.randint(1, 28)
    body = R.choice(REGIONS) + "%04d%02d%02d" % (y, m, dd) + "%03d" % R.randint(0, 999)
    c = cnid_check(body)
    if lower_x and c == "X": c = "x"
    return body + c

def bad_cn_id():
    y = R.randint(1950, 2008); m = R.randint(1, 12); dd = R.randint(1, 28)
    body = R.choice(REGIONS) + "%04d%02d%02d" % (y, m, dd) + "%03d" % R.randint(0, 999)
    c = cnid_check(body)
    wrong = R.choice([x for x in "0123456789X" if x != c])
    return body + wrong

IBAN_FMT = {"DE": (22, "n18"), "GB": (22, "a4n14"), "FR": (27, "n10c11n2"), "ES": (24, "n20"),
            "NL": (18, "a4n10"), "IT": (27, "a1n10c12"), "CH": (21, "n5c12"), "BE": (16, "n12"),
            "AT": (20, "n16"), "PL": (28, "n24")}

def bban(spec):
    out, i = "", 0
    while i < len(spec):
        kind = spec[i]; j = i + 1
        while j < len(spec) and spec[j].isdigit(): j += 1
        n = int(spec[i + 1:j]); i = j
        alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        pool = {"n": "0123456789", "a": alpha, "c": "0123456789" + alpha}[kind]
        out += "".join(R.choice(pool) for _ in range(n))
    return out

def mod97(s):
    num = "".join(str(int(ch, 36)) for ch in s)
    return int(num) % 97

def iban(valid=True, grouped=None):
    cc = R.choice(list(IBAN_FMT))
    b = bban(IBAN_FMT[cc][1])
    check = 98 - mod97(b + cc + "00")
    if not valid:
        check = (check + R.randint(1, 90)) % 97 + 2
        if 98 - mod97(b + cc + "00") == check: check = (check % 97) + 1
    s = "%s%02d%s" % (cc, check, b)
    if grouped is None: grouped = R.random() < 0.6
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4)) if grouped else s

def ipv4():
    first = R.choice([10, 172, 192, 8, 61, 114, 203, 45, 100, 220])
    return "%d.%d.%d.%d" % (first, R.randint(0, 255), R.randint(0, 255), R.randint(1, 254))

def ipv6():
    groups = ["%x" % R.randint(0, 0xffff) for _ in range(8)]
    k = R.choice(["full", "comp", "comp", "ll", "mapped", "doc"])
    if k == "full": return ":".join(groups)
    if k == "comp": return "2001:db8::" + ":".join(groups[:R.randint(1, 4)])
    if k == "ll": return "fe80::" + ":".join(groups[:4])
    if k == "mapped": return "::ffff:" + ipv4()
    return "2400:cb00:%s::%s" % (groups[0], groups[1])

WORDS = ["shop", "deals", "best", "review", "mall", "store", "tech", "home", "buy", "goods"]
TLDS = ["com", "net", "cn", "co.uk", "de", "com.cn", "org", "io"]

def url():
    host = R.choice(WORDS) + R.choice(["", "-" + R.choice(WORDS), str(R.randint(1, 99))]) + "." + R.choice(TLDS)
    path = R.choice(["", "/", "/item/%d" % R.randint(1000, 999999), "/p/%s.html" % R.randint(100, 9999),
                     "/product?id=%d&ref=abc" % R.randint(1, 99999), "/u/%s/orders" % R.choice(WORDS),
                     "/s?k=usb+c+cable&tag=x-20"])
    scheme = R.choice(["https://", "http://", "https://www.", "www.", "HTTPS://"])
    if scheme == "www.": return "www." + host + path
    return scheme + host + path

FIRST = ["john", "mary", "li.wei", "zhang_san", "anna", "mike", "wang.fang", "chen88", "sarah", "tom", "lucy", "jay"]
LAST = ["smith", "doe", "lee", "chen", "brown", "zhao", "liu", "garcia", "miller", "x"]
DOMS = ["gmail.com", "qq.com", "163.com", "outlook.com", "yahoo.co.uk", "example.org", "mail.shop-corp.com",
        "126.com", "hotmail.com", "company.cn", "foxmail.com", "icloud.com"]

def email():
    k = R.random()
    if k < 0.3: local = R.choice(FIRST) + "." + R.choice(LAST)
    elif k < 0.5: local = R.choice(FIRST) + str(R.randint(1, 9999))
    elif k < 0.6: local = str(R.randint(10000000, 3999999999))  # QQ numbers
    elif k < 0.7: local = R.choice(FIRST) + "+" + R.choice(["shop", "amz", "spam"])
    elif k < 0.8: local = R.choice(FIRST).upper()
    else: local = R.choice(FIRST) + "_" + R.choice(LAST)
    return local + "@" + R.choice(DOMS)

def digits(n): return "".join(R.choice("0123456789") for _ in range(n))

def cn_mobile():
    d = "1" + R.choice("3456789") + digits(9)
    f = R.choice(["plain", "plain", "space", "dash", "p86", "p86s", "p86d", "0086"])
    if f == "plain": return d
    if f == "space": return d[:3] + " " + d[3:7] + " " + d[7:]
    if f == "dash": return d[:3] + "-" + d[3:7] + "-" + d[7:]
    if f == "p86": return "+86" + d
    if f == "p86s": return "+86 " + d[:3] + " " + d[3:7] + " " + d[7:]
    if f == "p86d": return "+86-" + d
    return "0086 " + d

def us_phone():
    a = str(R.randint(2, 9)) + digits(2); e = digits(3); n = digits(4)
    f = R.choice(["paren", "dash", "dot", "1dash", "plus1", "plus1p", "space"])
    if f == "paren": return "(%s) %s-%s" % (a, e, n)
    if f == "dash": return "%s-%s-%s" % (a, e, n)
    if f == "dot": return "%s.%s.%s" % (a, e, n)
    if f == "1dash": return "1-%s-%s-%s" % (a, e, n)
    if f == "plus1": return "+1 %s %s %s" % (a, e, n)
    if f == "plus1p": return "+1 (%s) %s-%s" % (a, e, n)
    return "%s %s %s" % (a, e, n)

def uk_phone():
    return R.choice(["020 7946 %s" % digits(4), "07700 900%s" % digits(3), "+44 20 7946 %s" % digits(4),
                     "0161 496 %s" % digits(4), "+44 7700 900%s" % digits(3), "0113 496 %s" % digits(4)])

def cn_landline():
    return R.choice(["010-%s" % ("6" + digits(7)), "021-%s" % ("5" + digits(7)), "0755-%s" % ("8" + digits(7)),
                     "(021) %s %s" % ("6" + digits(3), digits(4)), "0571-8%s" % digits(7), "020-3%s" % digits(7),
                     "+86 10 %s %s" % ("6" + digits(3), digits(4)), "400-8%s-%s" % (digits(2), digits(4))])

def intl_phone():
    return R.choice(["+49 30 %s" % digits(7), "+33 1 %s %s %s %s" % (digits(2), digits(2), digits(2), digits(2)),
                     "+81-3-%s-%s" % (digits(4), digits(4)), "+61 2 %s %s" % (digits(4), digits(4)),
                     "+852 %s %s" % (digits(4), digits(4)), "+65 %s %s" % ("9" + digits(3), digits(4)),
                     "+91 98%s %s" % (digits(3), digits(5)), "+34 6%s %s %s" % (digits(2), digits(3), digits(3))])

def phone():
    return R.choice([cn_mobile, cn_mobile, us_phone, us_phone, uk_phone, cn_landline, intl_phone])()

STREET_NAMES = ["Main", "Oak", "Maple", "Baker", "Sunset", "Park", "Elm", "Washington", "Lake", "Hill",
                "Cedar", "Pine", "Church", "High", "Market", "King", "Queen", "Mission", "Spring", "River"]
SUFFIX = ["Street", "St", "Avenue", "Ave", "Road", "Rd", "Blvd", "Boulevard", "Lane", "Ln", "Drive", "Dr",
          "Court", "Way", "Place", "Terrace", "Pkwy", "Ct", "Crescent", "Close"]
CITIES = [("Springfield", "IL"), ("Austin", "TX"), ("San Jose", "CA"), ("Portland", "OR"), ("Denver", "CO"),
          ("New York", "NY"), ("Seattle", "WA")]

def en_address():
    num = str(R.choice([R.randint(1, 99), R.randint(100, 9999), R.randint(10000, 40000)]))
    if R.random() < 0.1: num += R.choice("AB")
    name = R.choice(STREET_NAMES)
    r = R.random()
    if r < 0.15: name = R.choice(["N", "S", "E", "W", "North", "South"]) + " " + name
    elif r < 0.25: name = R.choice(["5th", "42nd", "3rd", "21st"])
    elif r < 0.35: name = name + " " + R.choice(["Valley", "Creek", "View"])
    a = num + " " + name + " " + R.choice(SUFFIX)
    r = R.random()
    if r < 0.25: a += R.choice([", Apt ", " Apt ", ", Unit ", ", Suite ", " #", ", Apt. "]) + R.choice(["4B", "12", "302", "7", "1A"])
    elif r < 0.4:
        c, s = R.choice(CITIES)
        a += ", %s, %s %05d" % (c, s, R.randint(10000, 99999))
    return a

def po_box():
    return R.choice(["PO Box ", "P.O. Box ", "P.O.Box "]) + str(R.randint(1, 99999))

PROV = [("广东省", ["深圳市", "广州市", "东莞市"], ["南山区", "福田区", "天河区", "越秀区"]),
        ("浙江省", ["杭州市", "宁波市"], ["西湖区", "滨江区", "鄞州区"]),
        ("江苏省", ["南京市", "苏州市"], ["鼓楼区", "玄武区", "工业园区"]),
        ("四川省", ["成都市"], ["武侯区", "锦江区"]), ("湖北省", ["武汉市"], ["洪山区", "江汉区"]),
        ("河北省", ["石家庄市"], ["长安区", "桥西区"]), ("山东省", ["青岛市", "济南市"], ["市南区", "历下区"])]
MUNI = [("北京市", ["朝阳区", "海淀区", "东城区", "西城区"]), ("上海市", ["浦东新区", "徐汇区", "静安区"]),
        ("天津市", ["和平区", "南开区"]), ("重庆市", ["渝中区", "江北区"])]
ROADS = ["建国路", "中山北路", "人民南路", "解放路", "文三路", "科技园南路", "长江路", "南京西路", "中关村大街",
         "珞喻路", "天童南路", "星湖街", "淮海中路", "香港中路", "学院路", "滨江大道", "东大街", "青年路"]

def cn_num():
    return str(R.randint(1, 999)) if R.random() < 0.85 else R.choice(["一", "十八", "二十六", "八十八"])

def cn_address():
    r = R.random()
    if r < 0.45:
        p, cities, dists = R.choice(PROV)
        pre = (p if R.random() < 0.6 else "") + R.choice(cities) + R.choice(dists)
    elif r < 0.8:
        m, dists = R.choice(MUNI)
        pre = m + R.choice(dists)
    else:
        pre = R.choice(["", "朝阳区", "西湖区", "南山区"])
    road = R.choice(ROADS)
    if road == "人民南路" and R.random() < 0.5: road += "四段"
    a = pre + road
    if R.random() < 0.2: a += str(R.randint(1, 999)) + "弄" + str(R.randint(1, 99)) + "号"
    else: a += cn_num() + "号"
    r = R.random()
    if r < 0.2: a += str(R.randint(1, 30)) + "栋" + str(R.randint(1, 6)) + "单元" + str(R.randint(101, 2808)) + "室"
    elif r < 0.35: a += str(R.randint(1, 12)) + "号楼" + str(R.randint(101, 2808)) + "室"
    elif r < 0.45: a += R.choice(["阳光花园", "SOHO现代城", "万科城", "绿地中心"]) + str(R.randint(1, 20)) + "幢" + str(R.randint(101, 1808)) + "室"
    elif r < 0.5: a += str(R.randint(1, 30)) + "楼"
    return a

def cn_estate():
    m, dists = R.choice(MUNI)
    return m + R.choice(dists) + R.choice(["阳光", "翠湖", "金色", "幸福"]) + R.choice(["小区", "花园", "家园"]) + \
        str(R.randint(1, 30)) + R.choice(["栋", "号楼"]) + str(R.randint(1, 6)) + "单元" + str(R.randint(101, 2808)) + "室"

def s10():
    body = digits(8)
    w = [8, 6, 4, 2, 3, 5, 9, 7]
    c = 11 - sum(int(a) * b for a, b in zip(body, w)) % 11
    c = {10: 0, 11: 5}.get(c, c)
    return R.choice(["RR", "LZ", "EA", "CP", "RB"]) + body + str(c) + R.choice(["CN", "US", "DE", "GB"])

def order_id_value():
    return R.choice([
        lambda: digits(R.randint(10, 19)),
        lambda: "%s-%s-%s" % (digits(3), digits(7), digits(7)),
        lambda: "".join(R.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(R.randint(8, 12))) + digits(2),
        lambda: R.choice(["SO", "ORD", "INV", "PO"]) + "-" + digits(R.randint(5, 8)),
        lambda: "1Z" + "".join(R.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(6)) + digits(10),
    ])()

EN_ORDER_KW = ["order #", "Order No. ", "order number ", "Order ID: ", "tracking number ", "Tracking #",
               "tracking no. ", "order number is ", "waybill ", "invoice #", "confirmation number: "]
CN_ORDER_KW = ["订单号：", "订单号", "订单编号：", "快递单号", "运单号：", "物流单号 ", "单号是", "订单号为"]

def tracking_shape():
    return R.choice([
        lambda: "1Z" + "".join(R.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(6)) + digits(10),
        lambda: "%s-%s-%s" % (R.choice(["111", "112", "113", "114", "702"]), digits(7), digits(7)),
        s10,
        lambda: "SF" + digits(12),
        lambda: "JD" + digits(13),
        lambda: "YT" + digits(13),
        lambda: "9400 1" + digits(3) + " " + digits(4) + " " + digits(4) + " " + digits(4) + " " + digits(2),
    ])()

# ---------- sentence templates ----------

EN_TPL = {
    "EMAIL": ["Seller asked me to email {} for a refund, still waiting.",
              "If anyone wants the manual, write to me at {} and I'll send it.",
              "Contact {} if the zipper breaks, they replaced mine for free.",
              "My account ({}) got spammed after this purchase, be careful.",
              "Support replied from {} within a day, great service!"],
    "PHONE": ["Called customer service at {} and they sent a new charger.",
              "The courier's number was {}, he was very polite.",
              "Text me on {} if you want the spare filters.",
              "Their hotline {} never answers, two stars.",
              "Phone: {} - ask for the warranty team."],
    "CARD": ["They charged my card {} twice for the same blender!",
             "Used my Visa {} and the payment failed three times.",
             "Refund went back to card number {} after 5 days.",
             "Please do not store my card {} on your site."],
    "CN_ID": ["The form asked for my ID {} just to buy a phone case, weird.",
              "Had to upload passport and Chinese ID {} for customs clearance."],
    "IBAN": ["Seller wanted a bank transfer to {} instead of PayPal, suspicious.",
             "Refund was paid to my account {} within a week.",
             "Wire the deposit to IBAN {} they said. No thanks."],
    "IP": ["The camera kept connecting to {} even after the reset.",
           "Router admin page is at {} and the default password is printed on the box.",
           "My smart plug shows up as {} on the network, works fine.",
           "Log says blocked connection from {} during setup."],
    "URL": ["Got it cheaper at {} after the price drop.",
            "The setup video is here: {}",
            "Manual download ({}) is broken, had to email them.",
            "Don't buy from {}, fake product."],
    "ADDRESS": ["Shipped to {} but the box arrived crushed.",
                "Delivered to {} two days early, very happy.",
                "I live at {} and the courier left it at the wrong door.",
                "Return label said {}, took me an hour to find it."],
    "ORDER_ID": ["My {} still shows processing after two weeks.",
                 "Customer service found my {} and refunded quickly.",
                 "Package with {} got lost in the warehouse.",
                 "Quoting {} here in case the seller reads reviews."],
}
CN_TPL = {
    "EMAIL": ["有问题可以发邮件到{}，卖家回复很快。", "说明书是发到我邮箱{}的，很方便。", "客服让我联系{}退款，到现在没回。"],
    "PHONE": ["快递员电话{}，态度很好。", "售后电话打了{}也没人接，差评。", "有需要的可以打我手机{}，转让多余的滤芯。",
              "联系方式：{}，包装破损可以找他们。"],
    "CARD": ["扣款的银行卡号{}被扣了两次钱！", "用的信用卡{}付款，一直显示失败。"],
    "CN_ID": ["买个手机壳还要填身份证号{}，太离谱了。", "清关要求提供身份证{}，麻烦。", "实名认证用的{}，很快通过。"],
    "IBAN": ["退款打到了我的账户{}，速度还行。"],
    "IP": ["摄像头一直连到{}，重置也没用。", "路由器后台地址是{}，默认密码在盒子背面。"],
    "URL": ["在{}买更便宜，降价了。", "安装视频在这里{}，看完就会了。", "官网链接：{}，可以下载驱动。"],
    "ADDRESS": ["寄到{}，两天就到了。", "收货地址：{}，快递员送错了楼。", "我家住在{}，快递放在门卫了。",
                "送货到{}，包装完好。", "地址是{}，配送很快。"],
    "ORDER_ID": ["{}，到现在还没发货。", "客服查了{}说已经退款。", "物流一直不更新，{}，请尽快处理。"],
}

GEN = {"EMAIL": email, "PHONE": phone, "CARD": card, "CN_ID": cn_id, "IBAN": iban,
       "IP": lambda: ipv4() if R.random() < 0.6 else ipv6(), "URL": url}

def en_value(t):
    if t == "ADDRESS": return en_address() if R.random() < 0.85 else po_box()
    return GEN[t]()

def cn_value(t):
    if t == "ADDRESS": return cn_address() if R.random() < 0.85 else cn_estate()
    if t == "PHONE": return R.choice([cn_mobile, cn_mobile, cn_landline])()
    if t == "URL":
        return R.choice(["https://item.taobao.com/item.htm?id=%d" % R.randint(10**8, 10**12),
                         "https://item.jd.com/%d.html" % R.randint(10**6, 10**11), url()])
    if t == "CN_ID": return cn_id(lower_x=R.random() < 0.3)
    return GEN[t]()

records = []

def emit(text_parts, lang, kind):
    """text_parts: list of str or (type, value)."""
    text, spans, pos = "", [], 0
    for p in text_parts:
        if isinstance(p, tuple):
            t, v = p
            b = len(text.encode())
            text += v
            spans.append({"type": t, "start": b, "end": b + len(v.encode()), "text": v})
        else:
            text += p
    records.append({"id": "%s-%04d" % (kind, len(records) + 1), "lang": lang, "text": text, "spans": spans})

def fill(tpl, pieces):
    """tpl has '{}' slots; pieces are (type, value) tuples."""
    parts, rest = [], tpl
    for pc in pieces:
        a, rest = rest.split("{}", 1)
        parts += [a, pc]
    parts.append(rest)
    return parts

# Positives: per type, English and Chinese.
counts = {"EMAIL": 28, "PHONE": 60, "CARD": 30, "CN_ID": 24, "IBAN": 22, "IP": 28, "URL": 26, "ADDRESS": 50, "ORDER_ID": 44}
for t, n in counts.items():
    for i in range(n):
        if t == "ORDER_ID":
            if i % 3 == 2:
                v = tracking_shape()
                if i % 2: emit(fill(R.choice(["Shipped with {}, arrived in 3 days.", "Tracking {} says delivered but nothing here."]), [(t, v)]), "en", "pos")
                else: emit(fill(R.choice(["快递{}显示已签收，但我没收到。", "物流{}三天没有更新。"]), [(t, v)]), "zh", "pos")
                continue
            v = order_id_value()
            if i % 2 == 0:
                kw = R.choice(EN_ORDER_KW)
                parts = fill(R.choice(EN_TPL[t]), [("ORDER_ID", "\x00")])
                parts = [p if not isinstance(p, tuple) else p for p in parts]
                # keyword stays, id is the span
                tpl = R.choice(EN_TPL[t])
                a, b = tpl.split("{}", 1)
                emit([a + kw, (t, v), b], "en", "pos")
            else:
                kw = R.choice(CN_ORDER_KW)
                tpl = R.choice(CN_TPL[t])
                a, b = tpl.split("{}", 1)
                emit([a + kw, (t, v), b], "zh", "pos")
            continue
        zh = (i % 3 == 2) if t not in ("CN_ID",) else (i % 2 == 0)
        if zh:
            emit(fill(R.choice(CN_TPL[t]), [(t, cn_value(t))]), "zh", "pos")
        else:
            emit(fill(R.choice(EN_TPL[t]), [(t, en_value(t))]), "en", "pos")

# Multi-PII sentences.
for i in range(20):
    if i % 2:
        emit(["Contact me at ", ("EMAIL", email()), " or ", ("PHONE", us_phone()), ", ship to ", ("ADDRESS", en_address()), "."], "en", "pos")
    else:
        emit(["收件人电话", ("PHONE", cn_mobile()), "，地址", ("ADDRESS", cn_address()), "，邮箱", ("EMAIL", email()), "。"], "zh", "pos")

# ---------- negatives ----------

def price(): return R.choice(["$%d.%02d" % (R.randint(1, 999), R.randint(0, 99)), "$1,%03d.00" % R.randint(0, 999),
                              "¥%d" % R.randint(9, 9999), "%d元" % R.randint(9, 9999), "￥%d.%d" % (R.randint(9, 999), R.randint(0, 9)),
                              "€%d,%02d" % (R.randint(1, 300), R.randint(0, 99)), "£%d.%02d" % (R.randint(1, 300), R.randint(0, 99)),
                              "USD %d" % R.randint(10, 2000), "RMB %d" % R.randint(10, 20000)])
def date(): 
    y, m, d = R.randint(2015, 2025), R.randint(1, 12), R.randint(1, 28)
    return R.choice(["%d-%02d-%02d" % (y, m, d), "%02d/%02d/%d" % (m, d, y), "%d年%d月%d日" % (y, m, d), "%d.%02d.%02d" % (y, m, d),
                     "%d/%d/%d" % (d, m, y), "%d月%d号" % (m, d), "%d %s %d" % (d, R.choice(["May", "June", "Jan"]), y),
                     "%d-%02d-%02d %02d:%02d:%02d" % (y, m, d, R.randint(0, 23), R.randint(0, 59), R.randint(0, 59))])
MODELS = ["RTX 3080", "RTX 4090 Ti", "iPhone 13", "iPhone 15 Pro Max", "SM-G991B", "WH-1000XM4", "A2337", "i7-12700K",
          "XPS 13 9310", "Galaxy S21", "DDR4-3200", "M.2 2280", "Pixel 7a", "小米13", "Mate 60 Pro", "RX 6700 XT",
          "ThinkPad T14 Gen 3", "Ryzen 7 5800X3D", "GTX 1660 Super", "K70 RGB", "MX Master 3S", "EOS R6 Mark II",
          "DJI Mini 3 Pro", "Kindle Paperwhite 11", "AirPods Pro 2", "Model 3", "Dyson V15", "B550M-A", "SN850X 2TB",
          "Z690-P D4", "QN90B 65", "HP 305XL", "Canon PG-245", "Switch OLED", "PS5 CFI-1215A", "Note 12 Turbo"]
ISBNS = ["978-0-306-40615-7", "ISBN 9780306406157", "0-306-40615-2", "978-7-111-54742-6", "ISBN-10: 0596520689",
         "978-1-4028-9462-6", "ISBN 978-7-5442-7096-3", "9787020002207"]
def qty(): return R.choice(["%dml" % R.choice([250, 330, 500, 750]), "%d x %dg" % (R.randint(2, 6), R.choice([100, 250, 500])),
                            "%dkg" % R.randint(1, 25), "%.1fL" % R.choice([1.5, 2.0, 0.5]), "%d pcs" % R.randint(2, 200),
                            "%dx%dx%dcm" % (R.randint(10, 60), R.randint(10, 60), R.randint(5, 40)), "%.1f inches" % R.choice([6.1, 6.7, 13.3]),
                            "%dGB" % R.choice([64, 128, 256]), "%dmAh" % R.choice([3000, 5000, 20000]), "%dW" % R.choice([20, 65, 100, 140]),
                            "%d片装" % R.randint(6, 120), "%d斤" % R.randint(1, 20), "%d毫升" % R.choice([250, 500])])
def version(): return R.choice(["v%d.%d.%d" % (R.randint(0, 9), R.randint(0, 20), R.randint(0, 30)), "version %d.%d" % (R.randint(1, 15), R.randint(0, 9)),
                                "iOS %d.%d.%d" % (R.randint(14, 18), R.randint(0, 6), R.randint(0, 3)), "Android %d" % R.randint(9, 15),
                                "firmware %d.%d.%d.%d" % (R.randint(1, 9), R.randint(0, 9), R.randint(0, 9), R.randint(0, 99)),
                                "Windows 10 version 22H2 (build 19045.%d)" % R.randint(1000, 4000), "固件版本%d.%d.%d" % (R.randint(1, 5), R.randint(0, 9), R.randint(0, 9))])
def year(): return R.choice(["in %d" % R.randint(1990, 2025), "since %d" % R.randint(1990, 2025), "%d款" % R.randint(2018, 2025), "the %d model" % R.randint(2015, 2025)])
def ean(): 
    base = R.choice(["690", "692", "693", "695", "400", "450", "490", "501", "880", "890"]) + digits(9)
    s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(base))
    return base + str((10 - s % 10) % 10)
def bad_ip(): return R.choice(["%d.%d.%d.%d" % (R.randint(256, 999), R.randint(0, 255), R.randint(0, 255), R.randint(0, 255)),
                               "%d.%d.%d" % (R.randint(1, 255), R.randint(0, 255), R.randint(0, 255)),
                               "1.2.3.4.5", "192.168.1.300"])
def short_num(): return R.choice(["%d" % R.randint(10000, 99999), "Room %d" % R.randint(100, 2999), "%d stars" % R.randint(1, 5),
                                  "%d%%" % R.randint(1, 100), "%d:%d" % (R.randint(0, 5), R.randint(0, 5)), "%02d:%02d" % (R.randint(0, 23), R.randint(0, 59)),
                                  "95%d" % R.randint(100, 999), "%d-%d" % (R.randint(1, 99), R.randint(1, 99)), "No. %d" % R.randint(1, 99),
                                  "京A%s" % digits(5), "粤B%sD" % digits(4), "%d楼" % R.randint(1, 30), "%d号线" % R.randint(1, 18),
                                  "%d号电池" % R.choice([5, 7]), "%d寸" % R.choice([24, 27, 32]), "%d期免息" % R.choice([3, 6, 12, 24]),
                                  "%d天无理由" % R.choice([7, 15, 30]), "%d-%d 个工作日" % (R.randint(1, 3), R.randint(4, 7))])

NEG_EN = [
    "Paid {} for it on {} and it broke after a week.",
    "Compared with the {}, this one is faster for {}.",
    "Ordered {} of coffee, it came as {} which is fine.",
    "Book arrived fine ({}), pages are clean, {}.",
    "Updated to {} and now the app crashes every {}.",
    "Bought {} and it still works {}, great value.",
    "The {} fits perfectly, delivered on {}.",
    "Battery went from 100% to 20% in 3 hours after {}.",
    "I ordered 3 pairs in order to compare sizes; {} was the best.",
    "In order of preference: {} then {}.",
    "Item {} arrived in {}, well packed.",
    "Barcode {} matches the box, not a fake.",
    "Serial number {} on the sticker, looks genuine.",
    "Ships from warehouse {} in {}.",
    "Rated {} overall, {} is a fair price.",
    "@{} thanks for the tip about {}!",
    "Tracking was fast, it arrived {} after {}.",
    "Order arrived on {} as promised.",
    "Scored {} in the benchmark with the {}.",
    "I gave it {}: the {} version is better.",
]
NEG_ZH = [
    "{}买的，{}就坏了，质量一般。",
    "价格{}，比{}便宜多了。",
    "型号{}，{}到货，包装完好。",
    "容量{}，用了{}还挺好。",
    "升级到{}之后经常死机，{}。",
    "条码{}，正品无疑，{}。",
    "一路顺风，{}送到，{}。",
    "订单已完成，{}，好评。",
    "双十一{}入手，{}。",
    "地铁{}附近取的货，{}。",
    "书是{}，印刷清晰，{}。",
    "路由器设置很简单，{}，{}。",
    "马路对面的店卖{}，{}。",
]

NEG_FILL = [price, date, lambda: R.choice(MODELS), lambda: R.choice(ISBNS), qty, version, year, ean, bad_ip, short_num,
            bad_card, bad_cn_id, lambda: iban(valid=False)]

def neg_value(slot_tpl):
    return R.choice(NEG_FILL)()

n_neg = 0
while n_neg < 260:
    zh = n_neg % 3 == 2
    tpl = R.choice(NEG_ZH if zh else NEG_EN)
    k = tpl.count("{}")
    vals = [neg_value(tpl) for _ in range(k)]
    emit([tpl.format(*vals)], "zh" if zh else "en", "neg")
    n_neg += 1

# Hand-written look-alikes.
HAND_NEG = [
    "Bought the 990 Pro in 2023, transfer speed 7450MB/s.",
    "Shoe size 42, length 26.5cm, fits true to size.",
    "It's 1/2 the price of the 2-pack and half as good.",
    "Score was 3:2 after extra time, the TV handled motion well.",
    "Screen is 2560x1440 at 165Hz, HDR400.",
    "From 8:30 to 17:45 the battery dropped to 12%.",
    "Meeting notes template: 2023-Q4-OKR-v2.docx works fine.",
    "Email me? No, just use the chat. @seller_support was helpful.",
    "The 3 Road Bikes I bought for my kids are great.",
    "Ratio 1:1:2 for the cement mix, the bag says 25kg.",
    "Node.js and ASP.NET examples in the book are outdated.",
    "e.g. the 2nd edition (i.e. 2019) had fewer typos.",
    "Model MU-2023-0515 is the same as MU-2022-1130.",
    "Dimensions: 120 x 60 x 75 cm; weight 18.5 kg.",
    "Part number 04X1234 and FRU 00HN123 both fit my laptop.",
    "I paid 1,299.00 and got 200 back in coupons.",
    "订单已经取消了，退款299元，3-5个工作日到账。",
    "尺码偏小，建议买大一号，身高175体重70公斤穿XL。",
    "快递很快，2天就到了，包装也完整，五星好评！",
    "充电宝20000mAh，实测能充手机4次。",
    "这款路由器支持WiFi 6，速度提升明显，推荐。",
    "5月20号下单，5月22号收到，物流给力。",
    "价格从3999降到了2999，感觉买亏了。",
    "二手书ISBN 978-7-02-000220-7，品相不错。",
    "第3号包装破损，其他都好。",
    "版本号1.0.3，更新后耗电少了。",
    "屏幕分辨率2560×1600，刷新率120Hz。",
    "SKU: B08N5WRWNW, ASIN same as the old listing.",
    "It took 3 weeks; the tracking page just said 'in transit'.",
    "The order of the buttons is confusing on the 2022 model.",
]
for t in HAND_NEG:
    emit([t], "zh" if any("\u4e00" <= c <= "\u9fff" for c in t) else "en", "neg")

# Hand-written positives with tricky context.
HAND_POS = [
    ["Email: ", ("EMAIL", "Jane.O'Neil@example.com"[0:0] + "jane.oneil@example.com"), " (not the one on file)."],
    ["请联系", ("PHONE", "138 0013 8000"), "或者", ("PHONE", "+86 139-0000-1111"), "。"],
    ["Card ending... no, full number ", ("CARD", "5555 5555 5555 4444"), " was shown on the receipt!"],
    ["Server log: ", ("IP", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"), " tried to log in."],
    ["Link (", ("URL", "https://example.com/a_(b)"), ") works."],
    ["我住", ("ADDRESS", "北京市海淀区中关村大街27号"), "附近，送货很快。"],
    ["Send it to ", ("ADDRESS", "221B Baker Street"), ", London please."],
    ["Ship to ", ("ADDRESS", "1600 Pennsylvania Avenue NW"), ", the box was fine."],
    ["订单号：", ("ORDER_ID", "E20231111000123456"), "，申请退货。"],
    ["Tracking ", ("ORDER_ID", "1Z999AA10123456784"), ", delivered to the neighbour."],
    ["退款到", ("IBAN", "DE89 3704 0044 0532 0130 00"), "。"],
    ["身份证号码：", ("CN_ID", "11010519491231002X"), "，用于清关。"],
]
# A second hand-written set, phrased the way people write, added after the scrubber existed and
# kept whatever it scores (see docs/privacy.md for the misses).
HAND_POS += [
    ["Text me at ", ("PHONE", "(415) 555-0132"), " if you want the spare lid."],
    ["WhatsApp ", ("PHONE", "+44 7911 123456"), ", happy to help other buyers."],
    ["my cell is ", ("PHONE", "917.555.0199"), " lol"],
    ["售后客服电话：", ("PHONE", "400-820-8820"), "，周末也有人接。"],
    ["打", ("PHONE", "0755-86013388"), "转人工。"],
    ["手机号", ("PHONE", "186 0000 1234"), "，欢迎咨询。"],
    ["Reach the seller at ", ("EMAIL", "SALES@Example-Shop.COM"), ", they answer on Sundays."],
    ["我的邮箱是", ("EMAIL", "zhang.wei_88@163.com"), "，发票请发这里。"],
    ["Paid with ", ("CARD", "6011 0009 9013 9424"), " and got charged twice."],
    ["银联卡", ("CARD", "6212 2602 0000 1234 566"[0:0] + "6222 0212 3456 7894"), "扣款成功但订单没更新。"],
    ["The admin panel at ", ("URL", "http://192.168.0.1:8080/login"), " kept timing out."],
    ["Check ", ("URL", "www.amazon.com/dp/B08N5WRWNW"), " before buying here."],
    ["链接：", ("URL", "https://m.tb.cn/h.5ABCdef?tk=xyz"), " 复制打开。"],
    ["Camera IP ", ("IP", "10.0.0.23"), ", NVR at ", ("IP", "10.0.0.2"), "."],
    ["IPv6 address ", ("IP", "2606:4700:4700::1111"), " resolved fine."],
    ["Please send to ", ("ADDRESS", "77 Massachusetts Ave"), ", Cambridge."],
    ["Deliver to ", ("ADDRESS", "12 Market St, Unit 5"), " - the buzzer is broken."],
    ["Our office at ", ("ADDRESS", "100 Queen Street West"), " received it."],
    ["请送到", ("ADDRESS", "上海市徐汇区漕溪北路398号"), "前台。"],
    ["地址：", ("ADDRESS", "广州市天河区体育西路191号中石化大厦B塔2801室"), "，周一到周五收货。"],
    ["寄到", ("ADDRESS", "杭州市余杭区文一西路969号"), "就行。"],
    ["My order ", ("ORDER_ID", "#114-3941689-8772232"[1:]), " arrived broken."],
    ["Order number: ", ("ORDER_ID", "W123456789"), ", please refund."],
    ["运单号", ("ORDER_ID", "75123456789012"), "，三天没动了。"],
    ["Tracking: ", ("ORDER_ID", "LZ123456785CN"), " stuck in customs."],
    ["订单编号", ("ORDER_ID", "3456789012345678901"), "，麻烦客服看下。"],
    ["IBAN: ", ("IBAN", "GB29 NWBK 6016 1331 9268 19"), " for the refund."],
    ["Refund to ", ("IBAN", "FR1420041010050500013M02606"), " please."],
    ["请客服及时联系我。", ("ORDER_ID", "174208675"), "是我的订单编号。"],
    ["第三方抽奖信息详见：", ("URL", "http:t.cn/zjZQj5x")],
    ["拿去", ("ADDRESS", "厦门市思明区湖滨东路61号"), "华为售后服务修。"],
    ["身份证", ("CN_ID", "440305199912310011"[0:17] + "X"[0:0] + "440305199912310011"[17:]), "已实名。"],
]
HAND_NEG2 = [
    "Returned it on 12/03 and got $45.50 back within 3-5 business days.",
    "The 4-pack of AA batteries lasted 6 months in my Xbox controller.",
    "Runs at 3600 MHz with CL16 timings, 2x16GB kit.",
    "It's 24.5 x 18 x 9 inches and weighs 12 lbs.",
    "Warranty card says 2 years, serial SN: ABX-2291-QQ.",
    "I called 3 times before someone picked up, rude staff.",
    "Order came in 2 boxes; tracking showed both on the same day.",
    "Page 123 of the manual explains the 5 modes.",
    "Top speed 25 km/h, range 40 km, charge time 4-6 h.",
    "The 1080p stream dropped to 720p at 8:45 pm every night.",
    "Invoice total was 1,234.56 incl. 19% VAT.",
    "Works with Windows 11 23H2 and macOS 14.2.1.",
    "EAN 4006381333931 matches the one on the manufacturer's site.",
    "Fits 2015-2019 models, part no. 68-1234.",
    "客服电话一直打不通，等了30分钟。",
    "手机是iPhone 15，壳子大小刚好。",
    "2023年12月12日买的，到2024年1月5日就坏了。",
    "这条路上的快递点3点关门，下次早点去。",
    "京东自营，次日达，第2件半价。",
    "号码牌是3号，排队等了很久。",
    "屏幕尺寸6.7英寸，电池5000毫安。",
    "原价1599，活动价1299，再减100。",
    "订单号在哪里看？客服半天没回。",
    "第一次买，用了3个月，还不错。",
    "商品编号100012043978，和官网一致。",
    "快递单号查不到物流信息，差评。",
    "IP68防水，实测没问题。",
    "Version 2.10.3 fixed the Bluetooth bug.",
    "Revving @ 4500 RPM is too loud for my taste.",
    "Bake the pizza @ 475 deg for 10 minutes.",
    "我是6月5号下的订单，为什么6月17号书还没到？？",
    "12号订单13号收到15早上发现就出现黑条",
    "2008-01-10订单中包含两本书，只到了一本。",
    "在当当一次性订单600多元，可是只送了一半。",
    "Ships to 48 states, not Alaska or Hawaii.",
    "10 out of 10, would buy again for 20 bucks.",
]
for parts in HAND_POS:
    emit(parts, "zh" if any(isinstance(p, str) and any("\u4e00" <= c <= "\u9fff" for c in p) for p in parts) else "en", "pos")

for t in HAND_NEG2:
    emit([t], "zh" if any("\u4e00" <= c <= "\u9fff" for c in t) else "en", "neg")

with open("pii_corpus.jsonl", "w") as f:
    for r in records:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
pos = sum(1 for r in records if r["spans"])
neg = sum(1 for r in records if not r["spans"])
print("records", len(records), "positive", pos, "negative", neg)
