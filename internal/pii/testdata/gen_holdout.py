#!/usr/bin/env python3
"""Held-out PII corpus for the privacy scrubber.

Written independently of the detectors and of the earlier corpora
(pii_corpus.jsonl, adversarial.jsonl): the sentences and value formats here
were drafted without looking at either, so the corpus can be used as a
held-out evaluation set.

Output: holdout.jsonl next to this script, one JSON object per line:
  {"id": "hold-0001", "lang": "en"|"zh", "text": ..., "spans": [
      {"type": T, "start": byte_start, "end": byte_end, "text": ...}]}
Offsets are UTF-8 byte offsets into "text".  Negatives (text that must be
left untouched) have "spans": [] and ids "holdneg-0001", ...

Types: EMAIL PHONE CARD CN_ID IBAN IP URL ORDER_ID ADDRESS SSN PERSON.

Span conventions:
  * the span covers exactly the PII value, not the label before it
    ("order #", "IBAN:", "电话：" are outside the span);
  * obfuscated e-mails ("x at y dot com", "x[at]y[dot]com") are covered whole;
  * phones include a leading +country code when it is attached;
  * addresses run from the street address (or, in Chinese, from the
    province/city) through the postcode / unit;
  * persons: just the name, no titles or roles.

All values are made up and generated from a fixed seed; the checksummed
types (CARD: Luhn, CN_ID: ISO 7064 MOD 11-2, IBAN: MOD 97) are generated
valid and re-checked by assertions below.

Run: /usr/bin/python3 gen_holdout.py
"""

import datetime
import json
import os
import random

SEED = 20240611
rng = random.Random(SEED)

# --------------------------------------------------------------------------
# Checksums
# --------------------------------------------------------------------------


def luhn_ok(digits):
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def luhn_complete(prefix, length):
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(length - len(prefix) - 1))
    for c in "0123456789":
        if luhn_ok(body + c):
            return body + c
    raise AssertionError("unreachable")


CN_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CN_MAP = "10X98765432"


def cn_check(body17):
    return CN_MAP[sum(int(a) * w for a, w in zip(body17, CN_W)) % 11]


def cn_id_ok(s):
    s = s.replace(" ", "").upper()
    return len(s) == 18 and s[:17].isdigit() and cn_check(s[:17]) == s[17]


def iban_ok(s):
    s = s.replace(" ", "").upper()
    r = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in r)
    return int(num) % 97 == 1


def iban_make(country, bban):
    r = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in r)
    chk = 98 - int(num) % 97
    return "%s%02d%s" % (country, chk, bban)


def group4(s, sep=" "):
    return sep.join(s[i:i + 4] for i in range(0, len(s), 4))


# --------------------------------------------------------------------------
# Value generators
# --------------------------------------------------------------------------

DIG = "0123456789"
UP = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALNUM = UP + DIG


def rd(n):
    return "".join(rng.choice(DIG) for _ in range(n))


def ra(n, alphabet=ALNUM):
    return "".join(rng.choice(alphabet) for _ in range(n))


def card(kind="visa", fmt="space"):
    if kind == "visa":
        n = luhn_complete("4" + rd(1), 16)
    elif kind == "mc":
        n = luhn_complete(rng.choice(["51", "52", "53", "54", "55"]), 16)
    elif kind == "mc2":
        n = luhn_complete(str(rng.randint(2221, 2720)), 16)
    elif kind == "amex":
        n = luhn_complete(rng.choice(["34", "37"]), 15)
    elif kind == "disc":
        n = luhn_complete("6011", 16)
    elif kind == "jcb":
        n = luhn_complete("35" + str(rng.randint(28, 89)), 16)
    elif kind == "up19":
        n = luhn_complete(rng.choice(["6222", "6228", "6217", "6214"]), 19)
    elif kind == "up16":
        n = luhn_complete(rng.choice(["6222", "6225", "6259"]), 16)
    else:
        raise ValueError(kind)
    assert luhn_ok(n)
    if fmt == "plain":
        return n
    if kind == "amex":
        parts = [n[:4], n[4:10], n[10:]]
        return (" " if fmt == "space" else "-").join(parts)
    sep = {"space": " ", "dash": "-"}[fmt]
    return group4(n, sep)


CN_REGIONS = ["110105", "110108", "310115", "310104", "440305", "440106",
              "330106", "510104", "420106", "320106", "370102", "610113"]


def cn_id(want_x=False, lower_x=False):
    while True:
        region = rng.choice(CN_REGIONS)
        d = datetime.date(1962, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 42))
        body = region + d.strftime("%Y%m%d") + rd(3)
        c = cn_check(body)
        if want_x == (c == "X"):
            s = body + c
            if lower_x:
                s = s[:-1] + "x"
            assert cn_id_ok(s)
            return s


IBAN_SPECS = {
    # country: BBAN builder
    "DE": lambda: rd(18),
    "GB": lambda: ra(4, UP) + rd(14),
    "FR": lambda: rd(21) + rd(2),
    "NL": lambda: ra(4, UP) + rd(10),
    "ES": lambda: rd(20),
    "IT": lambda: ra(1, UP) + rd(10) + rd(12),
    "CH": lambda: rd(5) + rd(12),
    "BE": lambda: rd(12),
    "PL": lambda: rd(24),
    "AT": lambda: rd(16),
    "IE": lambda: ra(4, UP) + rd(14),
}


def iban(country, fmt="space"):
    s = iban_make(country, IBAN_SPECS[country]())
    assert iban_ok(s)
    if fmt == "space":
        return group4(s)
    if fmt == "lower":
        return s.lower()
    return s


def ssn(fmt="dash"):
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    group = rng.randint(1, 99)
    serial = rng.randint(1, 9999)
    a, g, s = "%03d" % area, "%02d" % group, "%04d" % serial
    if fmt == "dash":
        return "%s-%s-%s" % (a, g, s)
    if fmt == "space":
        return "%s %s %s" % (a, g, s)
    return a + g + s


def ssn_ok(v):
    d = "".join(c for c in v if c.isdigit())
    a, g, s = int(d[:3]), int(d[3:5]), int(d[5:])
    return len(d) == 9 and a != 0 and a != 666 and a < 900 and g != 0 and s != 0


def ipv4(kind="public"):
    if kind == "private":
        return rng.choice(["192.168.%d.%d" % (rng.randint(0, 5), rng.randint(2, 254)),
                           "10.%d.%d.%d" % (rng.randint(0, 255), rng.randint(0, 255), rng.randint(2, 254))])
    while True:
        a = rng.randint(1, 223)
        if a not in (10, 127, 100, 169, 172, 192):
            break
    return "%d.%d.%d.%d" % (a, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254))


def ipv6(style="compressed"):
    prefix = rng.choice(["2408:8207", "240e:3a1", "2001:da8", "2a02:c7f", "2600:1700", "2405:6580"])
    tail = ["%x" % rng.randint(1, 0xffff) for _ in range(4)]
    if style == "compressed":
        return prefix + "::" + ":".join(tail)
    if style == "full":
        mid = ["%x" % rng.randint(0, 0xffff) for _ in range(2)]
        return prefix + ":" + ":".join(mid) + ":" + ":".join(tail)
    if style == "linklocal":
        return "fe80::" + ":".join(tail)
    raise ValueError(style)


US_AREAS = ["415", "212", "646", "312", "718", "206", "617", "512", "303", "404", "702", "213"]
CN_MOBILE = ["138", "139", "135", "150", "151", "186", "187", "177", "199", "133", "158", "182"]


def us_phone(fmt):
    area = rng.choice(US_AREAS)
    ex = rng.choice(["555", str(rng.randint(201, 989))])
    if ex == "555":
        line = "01%02d" % rng.randint(0, 99)
    else:
        line = rd(4)
    return {
        "paren": "(%s) %s-%s" % (area, ex, line),
        "dash": "%s-%s-%s" % (area, ex, line),
        "dot": "%s.%s.%s" % (area, ex, line),
        "plain": area + ex + line,
        "space": "%s %s %s" % (area, ex, line),
        "intl": "+1 %s-%s-%s" % (area, ex, line),
        "intl_nbsp": "+1\u00a0%s\u00a0%s\u00a0%s" % (area, ex, line),
    }[fmt]


def cn_mobile(fmt):
    n = rng.choice(CN_MOBILE) + rd(8)
    return {
        "plain": n,
        "space": "%s %s %s" % (n[:3], n[3:7], n[7:]),
        "dash": "%s-%s-%s" % (n[:3], n[3:7], n[7:]),
        "intl": "+86 %s %s %s" % (n[:3], n[3:7], n[7:]),
        "intl_plain": "+86" + n,
        "intl_dash": "+86-" + n,
        "fullwidth": "".join(chr(ord(c) + 0xFEE0) for c in n),
        "endash": "%s\u2013%s\u2013%s" % (n[:3], n[3:7], n[7:]),
    }[fmt]


def order_id(kind):
    def digits_not_luhn(n):
        while True:
            s = str(rng.randint(1, 9)) + rd(n - 1)
            if not luhn_ok(s):
                return s
    if kind == "amazon":
        return "%s-%s-%s" % (rng.choice(["111", "112", "113", "114", "702"]), rd(7), rd(7))
    if kind == "so":
        return "SO-%d-%s" % (rng.randint(2022, 2024), rd(7))
    if kind == "ord":
        return "ORD-" + ra(7)
    if kind == "tb":
        return digits_not_luhn(19)
    if kind == "e":
        return "E%d%02d%02d%s" % (rng.randint(2022, 2024), rng.randint(1, 12), rng.randint(1, 28), rd(9))
    if kind == "jd":
        return "JD%d%02d%02d%s" % (rng.randint(2023, 2024), rng.randint(1, 12), rng.randint(1, 28), rd(6))
    if kind == "pdd":
        return "%02d%02d%02d-%s" % (rng.randint(23, 24), rng.randint(1, 12), rng.randint(1, 28), rd(15))
    if kind == "shop":
        return "#" + rd(5)
    if kind == "num":
        return digits_not_luhn(15)
    raise ValueError(kind)


EN_FIRST = ["Emily", "Marcus", "Priya", "Daniel", "Hannah", "Kevin", "Olivia", "Rahul", "Grace", "Tyler",
            "Megan", "Lucas", "Aisha", "Brandon", "Chloe", "Diego"]
EN_LAST = ["Carter", "Walsh", "Raman", "Okafor", "Brennan", "Lindqvist", "Delgado", "Fischer", "Nakamura",
           "Whitaker", "Kowalski", "Haddad", "Morrison", "Sullivan"]
ZH_SUR = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "胡", "郭", "何"]
ZH_GIVEN = ["小明", "建国", "丽娟", "子涵", "浩然", "晓燕", "志强", "思琪", "俊杰", "雨欣", "海涛", "佳怡",
            "伟", "静", "磊", "敏", "洋", "婷"]


def en_name():
    return rng.choice(EN_FIRST) + " " + rng.choice(EN_LAST)


def zh_name():
    return rng.choice(ZH_SUR) + rng.choice(ZH_GIVEN)


MAIL_DOMAINS = ["gmail.com", "outlook.com", "yahoo.com", "icloud.com", "hotmail.co.uk", "proton.me",
                "comcast.net", "web.de"]
ZH_MAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "aliyun.com"]


def email(zh=False, style="plain"):
    first = rng.choice(EN_FIRST).lower()
    last = rng.choice(EN_LAST).lower()
    if zh:
        local = rng.choice(["wangfang", "lixiaolong", "zhangwei", "chenjing", "liuyang", "huanglei",
                            "zhoujie", "xiaoyu"]) + rd(rng.choice([2, 3, 4]))
        dom = rng.choice(ZH_MAIL_DOMAINS)
        if rng.random() < 0.3:
            local = rd(9)
            dom = "qq.com"
    else:
        local = rng.choice([first + "." + last, first[0] + last, first + last[:3] + rd(2),
                            first + "_" + last, last + rd(4)])
        dom = rng.choice(MAIL_DOMAINS)
    if style == "plain":
        return local + "@" + dom
    if style == "upper":
        return (local + "@" + dom).upper()
    if style == "plus":
        return local + "+" + rng.choice(["orders", "shop", "amzn"]) + "@" + dom
    if style == "sub":
        return local + "@mail." + rng.choice(["harborfreight-sub", "acme-logistics", "northwind"]) + ".com"
    raise ValueError(style)


def email_for(name):
    first, last = name.lower().split()
    return rng.choice([first + "." + last, first[0] + last, first + last[0] + rd(2)]) + "@" + rng.choice(MAIL_DOMAINS)


# --------------------------------------------------------------------------
# Record builder
# --------------------------------------------------------------------------

T = ("EMAIL", "PHONE", "CARD", "CN_ID", "IBAN", "IP", "URL", "ORDER_ID", "ADDRESS", "SSN", "PERSON")


def P(typ, value):
    assert typ in T, typ
    return (typ, value)


def build(lang, *parts):
    text = ""
    spans = []
    for p in parts:
        if isinstance(p, tuple):
            typ, val = p
            start = len(text.encode("utf-8"))
            text += val
            end = len(text.encode("utf-8"))
            spans.append({"type": typ, "start": start, "end": end, "text": val})
        else:
            text += p
    return {"lang": lang, "text": text, "spans": spans}


positives = []
negatives = []


def pos(lang, *parts):
    positives.append(build(lang, *parts))


def neg(lang, text):
    negatives.append({"lang": lang, "text": text, "spans": []})


# --------------------------------------------------------------------------
# EMAIL
# --------------------------------------------------------------------------

pos("en", "Please send the replacement return label to ", P("EMAIL", email()), ", the one on file is old.")
pos("en", P("EMAIL", email()), " is my new email, pls update the account before the next shipment")
pos("en", "emial me at ", P("EMAIL", email()), ".")
_f, _l = rng.choice(EN_FIRST).lower(), rng.choice(EN_LAST).lower()
pos("en", "Not posting it in full here lol but it's ", P("EMAIL", "%s dot %s at gmail dot com" % (_f, _l)),
    " if the seller wants to reach me")
_f = rng.choice(EN_FIRST).lower() + rd(2)
pos("en", "Seller never answered. My email is ", P("EMAIL", "%s[at]yahoo[dot]com" % _f), ", not the hotmail one.")
pos("en", "CONTACT ME: ", P("EMAIL", email(style="upper")), " !!!")
pos("en", "The refund confirmation went to ", P("EMAIL", email(style="plus")),
    " instead of my main inbox, weird.")
pos("en", "Support replied from ", P("EMAIL", email(style="sub")), " asking me to confirm the serial.")
_f = rng.choice(EN_FIRST).lower()
pos("en", "you can write to ", P("EMAIL", "%s (at) proton (dot) me" % (_f + rd(3))), " — I check it daily")
pos("zh", "我的邮箱是", P("EMAIL", email(zh=True)), "，麻烦发一下电子发票")
pos("zh", "请把发票发到", P("EMAIL", email(zh=True)), "谢谢")
_l = rng.choice(["wangfang", "zhangmin", "liting"]) + rd(4)
pos("zh", "不方便公开，邮箱是", P("EMAIL", "%s艾特163点com" % _l), "，看到请回复")
_l = rng.choice(["xiaomei", "dalong", "ajie"]) + rd(3)
pos("zh", "邮箱：", P("EMAIL", "".join(chr(ord(c) + 0xFEE0) for c in _l) + "＠qq.com"), "（手机打的全角，抱歉）")
pos("zh", "有问题联系我：", P("EMAIL", email(zh=True)), "（工作日都在）")
pos("zh", "售后说会发邮件到", P("EMAIL", email(zh=True)))
_l = "chen" + rd(4)
pos("zh", "邮件地址 ", P("EMAIL", "%s#126.com" % _l), "（#换成@）")

# --------------------------------------------------------------------------
# PHONE
# --------------------------------------------------------------------------

pos("en", "Call me at ", P("PHONE", us_phone("paren")), " if the courier can't find the building.")
pos("en", "my number is ", P("PHONE", us_phone("intl")), ", text is better than calling")
pos("en", "The driver kept calling ", P("PHONE", us_phone("dot")), " at 6am, that's not even my number!")
pos("en", "phone:", P("PHONE", us_phone("plain")))
pos("en", "UK customers can reach me on ", P("PHONE", "+44 7700 900%s" % rd(3)), " for the local pickup.")
pos("en", P("PHONE", "+49 151 %s %s" % (rd(4), rd(4))), " is my WhatsApp, message me there about the return")
pos("en", "ph# ", P("PHONE", us_phone("space")), " ext. 22 (office, ask for the warehouse)")
pos("en", "Reachable at ", P("PHONE", us_phone("intl_nbsp")), " after 5pm.")
pos("en", "Tried phoning support from ", P("PHONE", "+33 6 %s %s %s %s" % (rd(2), rd(2), rd(2), rd(2))),
    " three times, always on hold.")
pos("zh", "电话", P("PHONE", cn_mobile("plain")), "，到了打给我")
pos("zh", "收货电话：", P("PHONE", cn_mobile("space")), "，白天可能不接，请发短信")
pos("zh", "联系方式", P("PHONE", cn_mobile("intl")), "（人在国外，加区号）")
pos("zh", "手机号：", P("PHONE", cn_mobile("fullwidth")))
pos("zh", "家里座机 ", P("PHONE", "021-%s %s" % (rd(4), rd(4))), "，晚上七点后有人")
pos("zh", P("PHONE", cn_mobile("intl_plain")), " 这个号是我微信同号，加我发照片")
pos("zh", "快递员打错了号码，我的是", P("PHONE", cn_mobile("endash")), "不是尾号那个")
pos("zh", "麻烦改一下手机号为", P("PHONE", cn_mobile("dash")), "，原来的停机了。")

# --------------------------------------------------------------------------
# CARD
# --------------------------------------------------------------------------

pos("en", "I was charged twice on my card ", P("CARD", card("visa", "space")), ", please refund one of them.")
pos("en", "Visa: ", P("CARD", card("visa", "dash")), " exp 08/27 — payment failed but the bank shows a hold")
pos("en", "used my amex ", P("CARD", card("amex", "space")), " for this and still no receipt")
pos("en", "the card number ", P("CARD", card("mc", "plain")), " was declined but money was taken??")
pos("en", P("CARD", card("disc", "space")), " <- this is the card I paid with, order still shows unpaid")
pos("en", "Please charge the balance to ", P("CARD", card("mc2", "dash")), " instead of PayPal.")
pos("en", "They stored my JCB (", P("CARD", card("jcb", "plain")), ") in plain text in the email!")
pos("zh", "我的银行卡号", P("CARD", card("up19", "space")), "，退款请打到这张卡")
pos("zh", "信用卡 ", P("CARD", card("mc", "space")), " 被扣了两次款，客服一直不处理")
pos("zh", "卡号：", P("CARD", card("up19", "plain")))
pos("zh", "用", P("CARD", card("up16", "dash")), "付的款，显示支付成功但订单取消了")
pos("zh", "退到这张visa卡吧：", P("CARD", card("visa", "plain")), "，谢谢！")

# --------------------------------------------------------------------------
# CN_ID
# --------------------------------------------------------------------------

pos("zh", "身份证号：", P("CN_ID", cn_id()), " 用于清关")
pos("zh", "海淘需要实名，我的身份证是", P("CN_ID", cn_id(want_x=True)), "，已经上传正反面了")
_id = cn_id()
pos("zh", "身份证 ", P("CN_ID", "%s %s %s" % (_id[:6], _id[6:14], _id[14:])), " 麻烦核对一下")
pos("zh", "实名认证填的是", P("CN_ID", cn_id()), "，不知道为什么一直失败")
pos("zh", "证件号码", P("CN_ID", cn_id(want_x=True, lower_x=True)), "（最后是小写x）")
pos("zh", P("CN_ID", cn_id()), "是我的身份证号，收件人姓名和证件一致的")
pos("zh", "清关资料：身份证", P("CN_ID", cn_id()), "。")
pos("en", "Customs asked for my Chinese ID number ", P("CN_ID", cn_id()), ", is that normal for a $30 order?")
pos("en", "ID no.:", P("CN_ID", cn_id(want_x=True)))

# --------------------------------------------------------------------------
# IBAN
# --------------------------------------------------------------------------

pos("en", "Please refund to my IBAN ", P("IBAN", iban("DE", "space")), " since the card is closed.")
pos("en", "bank transfer details: ", P("IBAN", iban("GB", "compact")), ", ref = return 2")
pos("en", P("IBAN", iban("NL", "space")), " is my account, the refund should go there")
pos("en", "Seller asked me to pay outside the platform to ", P("IBAN", iban("FR", "compact")), " — scam?")
pos("en", "IBAN: ", P("IBAN", iban("ES", "space")), ", account holder is my husband")
pos("en", "iban ", P("IBAN", iban("BE", "lower")), " (typed on phone sorry)")
pos("en", "Refund pls to IBAN ", P("IBAN", iban("IE", "space")), ". Thank you!")
pos("zh", "退款请转到我的德国账户，IBAN：", P("IBAN", iban("DE", "compact")))
pos("zh", "我在法国，IBAN是", P("IBAN", iban("FR", "space")), "，人民币退不了")
pos("zh", "收款账号 ", P("IBAN", iban("CH", "space")), "，开户行瑞银")
pos("zh", "意大利的账户", P("IBAN", iban("IT", "compact")), "可以收欧元吗？")
pos("zh", "奥地利银行 IBAN ", P("IBAN", iban("AT", "space")), " 麻烦尽快处理")
pos("zh", "波兰账户：", P("IBAN", iban("PL", "compact")), "。")

# --------------------------------------------------------------------------
# IP
# --------------------------------------------------------------------------

pos("en", "The login alert said someone from ", P("IP", ipv4()), " accessed my account, wasn't me.")
pos("en", "My router is at ", P("IP", ipv4("private")), " and the smart plug still won't pair.")
pos("en", "suspicious sign-in: ", P("IP", ipv6("compressed")))
pos("en", "I connected through ", P("IP", ipv4()), ":8443 like the manual said and got a timeout")
pos("en", "the error page shows ip=", P("IP", ipv4()), "&blocked=1, please whitelist me")
pos("en", "The camera's IPv6 address ", P("IP", ipv6("linklocal")), " keeps changing after updates.")
pos("en", "Order was placed from ", P("IP", ipv6("full")), ". I was asleep at that time!")
pos("zh", "登录提醒显示IP是 ", P("IP", ipv4()), "，不是我本人")
pos("zh", "异地登录：IP ", P("IP", ipv6("full")))
pos("zh", "我家的IP（", P("IP", ipv4()), "）被你们封了，根本打不开")
pos("zh", "从", P("IP", ipv4()), "登录的不是我。")
pos("zh", "摄像头的地址是", P("IP", ipv4("private")), "，app里一直显示离线")
pos("zh", "客服让我提供IP，我的是", P("IP", ipv6("compressed")), "，麻烦查一下")

# --------------------------------------------------------------------------
# URL
# --------------------------------------------------------------------------

pos("en", "Photos of the damage: ", P("URL", "https://imgur.com/a/" + ra(7, UP + DIG + "abcdefghijkmnopqrstuvwxyz")))
pos("en", "here's my wishlist ", P("URL", "https://www.amazon.com/hz/wishlist/ls/%s?ref_=wl_share" % ra(13)),
    " if anyone wants to gift me the refill lol")
pos("en", "Full unboxing at ", P("URL", "youtube.com/watch?v=" + ra(11, UP + DIG + "abcdefghijklmnopqrstuvwxyz_-")),
    " — skip to 3:20 for the crack.")
pos("en", "(receipt: ", P("URL", "https://drive.google.com/file/d/1%s/view?usp=sharing" % ra(20, UP + DIG + "abcdefghijk")),
    ")")
pos("en", "I sell the refurbished ones on my shop ", P("URL", "http://%sbakes.myshopify.com" % rng.choice(["lily", "marcy", "jenn"])))
pos("en", "Tracking link ", P("URL", "https://www.ups.com/track?tracknum=1Z%s" % ra(16)), " says delivered, it was not.")
pos("en", "my insta is ", P("URL", "instagram.com/%s_%s%s" % (rng.choice(EN_FIRST).lower(), rng.choice(["makes", "reviews", "eats"]), rd(2))),
    ", DM me for the full video")
pos("zh", "照片我放网盘了 ", P("URL", "https://pan.baidu.com/s/1" + ra(10, UP + DIG + "abcdefghijkmnpqrstuvwxyz")), " 提取码 x7k2")
pos("zh", "看我的详细测评：", P("URL", "https://www.xiaohongshu.com/user/profile/5f%s" % "".join(rng.choice("0123456789abcdef") for _ in range(22))), "，")
pos("zh", "链接", P("URL", "http://t.cn/A6" + ra(6, UP + DIG + "abcdefghijkmnpqrstuvwxyz")), "点开就是我的订单截图")
pos("zh", "抖音主页 ", P("URL", "https://v.douyin.com/i" + ra(6, UP + DIG + "abcdefghijkmnpqrstuvwxyz") + "/"))
pos("zh", "视频在这", P("URL", "https://b23.tv/" + ra(7, UP + DIG + "abcdefghijkmnpqrstuvwxyz")), "，开箱就是碎的。")

# --------------------------------------------------------------------------
# ORDER_ID
# --------------------------------------------------------------------------

pos("en", "Order #", P("ORDER_ID", order_id("amazon")), " never arrived and tracking hasn't moved in 9 days.")
pos("en", "My order number is ", P("ORDER_ID", order_id("so")), ", can you check the status?")
pos("en", "Return for order ", P("ORDER_ID", order_id("ord")), " was approved but no refund yet")
_a = order_id("amazon")
_b = _a[:-7] + "%07d" % (int(_a[-7:]) + 1)
pos("en", "I have two orders, ", P("ORDER_ID", _a), " and ", P("ORDER_ID", _b), ", please combine shipping.")
pos("en", "ordr no. ", P("ORDER_ID", order_id("num")), " — got the wrong color")
pos("en", P("ORDER_ID", order_id("ord")), " still says processing after two weeks.")
pos("zh", "订单号：", P("ORDER_ID", order_id("e")), "，麻烦查一下物流")
pos("zh", "订单编号 ", P("ORDER_ID", order_id("tb")), " 一直显示待发货")
pos("zh", "我的订单", P("ORDER_ID", order_id("jd")), "还没退款")
pos("zh", "单号", P("ORDER_ID", order_id("pdd")), "发错货了，要的是白色")
pos("zh", "麻烦帮我取消订单", P("ORDER_ID", order_id("so")), "。")
pos("zh", "退货的订单号是 ", P("ORDER_ID", order_id("tb")))

# --------------------------------------------------------------------------
# ADDRESS
# --------------------------------------------------------------------------

pos("en", "Ship to ", P("ADDRESS", "%d Birchwood Dr, Apt 3C, Austin, TX 78704" % rng.randint(100, 9999)), " please, not the old one")
pos("en", "Deliver to: ", P("ADDRESS", "Flat 2, %d Kingsley Road, Leeds LS6 2AB" % rng.randint(2, 99)))
pos("en", "They left the package at ", P("ADDRESS", "%d W 3rd St Unit 5, New York, NY 10012" % rng.randint(10, 400)),
    " instead of my door, it got stolen.")
pos("en", "my adress is ", P("ADDRESS", "%d Lakeshore Blvd, Suite 400, Chicago, IL 60614" % rng.randint(1000, 4999)), ".")
pos("en", "Please change the address to ", P("ADDRESS", "%d Rue de la Paix, 75002 Paris" % rng.randint(2, 60)), ", I moved.")
pos("en", "Addr: ", P("ADDRESS", "%d Elm St. #12, Columbus OH 43215" % rng.randint(100, 999)))
pos("en", P("ADDRESS", "%d Maple Avenue, Springfield, IL 62704" % rng.randint(10, 2999)),
    " — that's where it should have gone, not next door.")
pos("zh", "收货地址：", P("ADDRESS", "上海市浦东新区张江路%d弄%d号%d室" % (rng.randint(10, 999), rng.randint(1, 30), rng.randint(101, 2202))))
pos("zh", "寄到", P("ADDRESS", "北京市朝阳区建国路%d号SOHO现代城A座%d室" % (rng.randint(10, 99), rng.randint(501, 2808))), "，谢谢")
pos("zh", "地址是", P("ADDRESS", "广东省深圳市南山区科技园南区高新南一道%d号" % rng.randint(1, 20)), "，前台代收")
pos("zh", P("ADDRESS", "浙江省杭州市西湖区文三路%d号华星时代广场B座5楼" % rng.randint(100, 600)), "，快递放门卫就行")
pos("zh", "新地址 ", P("ADDRESS", "四川省成都市锦江区红星路三段%d号2号楼%d" % (rng.randint(1, 99), rng.randint(1001, 3305))), " 别寄错了")
pos("zh", "请改为", P("ADDRESS", "江苏省南京市鼓楼区中山北路%d号6栋%d室" % (rng.randint(1, 400), rng.randint(101, 1802))), "。")
pos("zh", "送货地址写的是", P("ADDRESS", "湖北省武汉市洪山区珞喻路%d号华科大西十二舍%d" % (rng.randint(100, 1100), rng.randint(101, 620))),
    "，结果送到东门去了")

# --------------------------------------------------------------------------
# SSN
# --------------------------------------------------------------------------

pos("en", "Why does the financing form even need my SSN? I entered ", P("SSN", ssn("dash")), " and it errored twice.")
pos("en", "SSN: ", P("SSN", ssn("space")))
pos("en", "my social is ", P("SSN", ssn("plain")), ", is this site actually secure??")
pos("en", "ssn# ", P("SSN", ssn("dash")), " (needed for the store card application)")
pos("en", P("SSN", ssn("dash")), " is what I typed for the credit check, now it says invalid.")
pos("en", "They asked for social security number over chat. I gave ", P("SSN", ssn("dash")), ". Was that a mistake?")
pos("zh", "美国的社安号 SSN ", P("SSN", ssn("dash")), " 填了之后一直报错")
pos("zh", "信用卡分期要填SSN：", P("SSN", ssn("dash")), "，安全吗？")
pos("zh", "社会安全号", P("SSN", ssn("plain")), "是我老公的，能用吗")

# --------------------------------------------------------------------------
# PERSON
# --------------------------------------------------------------------------

pos("en", "Shoutout to ", P("PERSON", en_name()), " from support, they fixed it in minutes.")
pos("en", "The package was signed by ", P("PERSON", "Marcus O'Neill"), ", who doesn't live here.")
pos("en", "Ask for ", P("PERSON", "José Álvarez"), " at the front desk, he'll take the parcel.")
pos("en", "Thanks ", P("PERSON", en_name()), "! Best customer service I've had this year.")
pos("en", "Got a gift from ", P("PERSON", "Nguyễn Thị Mai"), " and the box was crushed.")
pos("en", P("PERSON", "Zoë Hughes-Whitaker"), " in the returns department was super rude to me.")
pos("en", "my husband ", P("PERSON", en_name()), " placed the order, please talk to him")
pos("zh", "收件人：", P("PERSON", zh_name()))
pos("zh", "感谢客服", P("PERSON", zh_name()), "的耐心解答，五星好评")
pos("zh", "快递员", P("PERSON", zh_name()), "态度很差，直接扔门口")
pos("zh", "帮我把收件人改为", P("PERSON", "欧阳晓峰"), "，谢谢")
pos("zh", "客服 ", P("PERSON", "Amy Chen"), " 很专业，半小时就解决了")
pos("zh", P("PERSON", "司马婷婷"), "签收的，不是我本人，我没收到")
pos("zh", "给", P("PERSON", zh_name()), "买的生日礼物，她很喜欢！")

# --------------------------------------------------------------------------
# Several items in one message (adjacent, mixed types, mixed scripts)
# --------------------------------------------------------------------------

_n = en_name()
pos("en", "Name: ", P("PERSON", _n), ", phone ", P("PHONE", us_phone("dash")), ", email ",
    P("EMAIL", email_for(_n)))
pos("zh", "收货人：", P("PERSON", zh_name()), "，电话", P("PHONE", cn_mobile("plain")), "，地址：",
    P("ADDRESS", "北京市海淀区中关村大街%d号%d室" % (rng.randint(1, 99), rng.randint(101, 2501))))
pos("en", "Refund to card ", P("CARD", card("visa", "space")), " and send the confirmation to ",
    P("EMAIL", email()), " please")
pos("zh", "订单", P("ORDER_ID", order_id("e")), "需要清关，身份证", P("CN_ID", cn_id()), "，姓名",
    P("PERSON", zh_name()))
pos("en", "Order ", P("ORDER_ID", order_id("amazon")), " shipped to ",
    P("ADDRESS", "%d Pine St, Boston, MA 02108" % rng.randint(10, 300)), " but I moved last month")
_n = en_name()
pos("en", P("PERSON", _n), " / ", P("PHONE", us_phone("paren")), " / ", P("EMAIL", email_for(_n)))
pos("zh", P("PHONE", cn_mobile("plain")), "，", P("EMAIL", email(zh=True)), "，都可以联系到我")
pos("en", "login from ", P("IP", ipv4()), " then password reset mail to ", P("EMAIL", email()), " - not me!")
pos("zh", "联系人 ", P("PERSON", "Kevin 王"), " 电话 ", P("PHONE", cn_mobile("intl_dash")), " 到了打电话")
pos("en", "For the wire: ", P("PERSON", en_name()), ", ", P("IBAN", iban("GB", "space")), ".")
pos("en", "Applicant ", P("PERSON", en_name()), ", SSN ", P("SSN", ssn("dash")), ", card ",
    P("CARD", card("mc", "dash")))
pos("zh", "网盘", P("URL", "https://pan.baidu.com/s/1" + ra(10, UP + DIG + "abcdefghijkmnpqrstuvwxyz")),
    "里有视频，订单号", P("ORDER_ID", order_id("jd")))

# --------------------------------------------------------------------------
# Negatives: look-alikes that are not personal data
# --------------------------------------------------------------------------


def isbn13(prefix12):
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(prefix12))
    return prefix12 + str((10 - s % 10) % 10)


_isbn = isbn13("978711554608")
_isbn_fmt = "%s-%s-%s-%s-%s" % (_isbn[:3], _isbn[3], _isbn[4:7], _isbn[7:12], _isbn[12])
_ean = isbn13("690123456789")  # EAN-13 uses the same weighting
_ean2 = isbn13("400638133393")

neg("en", "Bought the size 10.5 in black, fits true to size, would buy again.")
neg("en", "Paid $1,249.99 on Black Friday and it dropped to $999 two days later. Annoying.")
neg("en", "Delivered 2024-03-15 at 14:30, box was fine, product is great.")
neg("en", "Firmware v2.3.17 fixed the Bluetooth dropouts on my WH-1000XM5.")
neg("en", "After updating to firmware 1.0.2.7 the router reboots every night.")
neg("en", "Windows build 10.0.19045.3693 broke the printer driver again.")
neg("en", "ISBN " + _isbn_fmt + " is the 2nd edition, make sure you order the right one.")
neg("en", "The barcode on the box (EAN " + _ean2 + ") doesn't match the listing.")
neg("en", "Model SM-S9180 vs SM-S918B — the first is the China version, no Google apps.")
neg("en", "Love my Calvin Klein jeans, the 32x34 fits perfectly.")
neg("en", "Ben & Jerry's Cherry Garcia arrived half melted, two stars.")
neg("en", "This Harry Potter box set is gorgeous, Sherlock Holmes set next!")
neg("en", "Dimensions are 120 x 60 x 75 cm and it weighs 23.5 kg, so get help carrying it.")
neg("en", "Battery went from 100% to 15% in about 3 hours, not the advertised 10.")
neg("en", "It's just H2O2 3% and NaHCO3, you can make it at home for cheaper.")
neg("en", "Use code SPRING25 at checkout for 25% off, worked for me yesterday.")
neg("en", "The RTX 4070 Ti runs this at 144 fps on 2560x1440, no complaints.")
neg("en", "Tommy Hilfiger polo, size M, color #1E90FF looks more purple in person.")
neg("en", "iOS 17.4.1 and the app still crashes on launch.")
neg("en", "Shipping took 3-5 business days, tracking updated at 9:00 and 18:00 every day.")
neg("en", "Dr. Martens 1460 in UK 7 / EU 41 / US 8, break-in period is brutal.")
neg("en", "Vitamin C (C6H8O6) 1000 mg, 120 tablets, lot 24B0317, best before 06/2026.")
neg("en", "Rated IP68 and survived a dunk in the pool, IPv6 support on the hub is nice too.")
neg("en", "Email support is slow but phone support sorted it out, 4/5.")
neg("en", "The 5.5 inch screen at 1920×1080 is sharp enough for me.")
neg("en", "Ordered 2 packs of 24, got 1 pack of 12. Price was $18.99 per pack.")
neg("en", "Mickey Mouse ears for the kids, they wore them all day at the park!")
neg("en", "SKU 88-0412-BLK is the black one, 88-0412-WHT is white.")
neg("en", "Version 4.12.0 (build 2024.03.1) added dark mode finally.")
neg("en", "Tim Hortons coffee pods taste the same as in store, 5 stars.")
neg("zh", "鞋码42，平时穿41.5的，刚刚好，推荐")
neg("zh", "双十一到手价¥2,399.00，比平时便宜了三百多")
neg("zh", "2024年3月15日下单，3月17日14:30就到了，物流很快")
neg("zh", "固件升级到V2.1.8之后蓝牙断连的问题解决了")
neg("zh", "书的ISBN是" + _isbn + "，别买成旧版了")
neg("zh", "条形码" + _ean + "，扫出来是正品")
neg("zh", "李宁的跑鞋，很轻，缓震也不错，比去年的好")
neg("zh", "王老吉和加多宝我喝不出区别，都挺好")
neg("zh", "张小泉的剪刀很锋利，用了半年没生锈")
neg("zh", "周黑鸭的鸭脖有点太辣了，下次买微辣的")
neg("zh", "孩子超喜欢孙悟空的手办，做工很精细")
neg("zh", "尺寸 165/88A，身高165体重55kg穿着正好")
neg("zh", "屏幕分辨率3840x2160，刷新率144Hz，玩游戏很爽")
neg("zh", "满299减40的券用上了，加上88VIP再打95折")
neg("zh", "成分：NaCl 0.9%，生理盐水，洗鼻子用的")
neg("zh", "型号 A2849，256GB，国行版本，支持双卡")
neg("zh", "保质期至2025-06-30，生产批号20240315A，很新鲜")
neg("zh", "客服工作时间9:00-18:00，周末不上班，有点不方便")
neg("zh", "这款的电池是5000mAh，快充65W，半小时充到80%")
neg("zh", "哈利波特全集精装版，纸质很好，送人很有面子")
neg("zh", "优惠码NEWUSER50只能新用户用，老用户不行")
neg("zh", "桌子尺寸120×60×75cm，承重100kg，安装花了40分钟")
neg("zh", "系统版本 HarmonyOS 4.0.0.126，更新后耗电快了")
neg("zh", "第3.5代产品，比2.0版本安静多了，噪音只有35dB")
neg("zh", "老干妈配米饭绝了，一次买了6瓶")
neg("zh", "温度设置到26℃，湿度保持在40%-60%之间最舒服")
neg("zh", "买了3件XL，1件L，颜色是#FF5733那种橘红色")
neg("zh", "这个价格¥39.9包邮真的值，评论区说得对")
neg("zh", "iPhone 15 Pro Max 256G 原色钛金属，电池健康100%")
neg("zh", "用邮箱注册的时候一直收不到验证码，后来换手机号就好了")

# --------------------------------------------------------------------------
# Assign ids, shuffle deterministically, verify, write
# --------------------------------------------------------------------------

rng.shuffle(positives)

out = []
for i, r in enumerate(positives, 1):
    out.append({"id": "hold-%04d" % i, **r})
for i, r in enumerate(negatives, 1):
    out.append({"id": "holdneg-%04d" % i, **r})

CHECKS = {
    "CARD": lambda v: luhn_ok("".join(c for c in v if c.isdigit())),
    "CN_ID": cn_id_ok,
    "IBAN": iban_ok,
    "SSN": ssn_ok,
}

ids = set()
for r in out:
    assert r["id"] not in ids, r["id"]
    ids.add(r["id"])
    assert r["lang"] in ("en", "zh"), r
    b = r["text"].encode("utf-8")
    if r["id"].startswith("holdneg-"):
        assert r["spans"] == [], r
    else:
        assert r["spans"], r
    prev_end = 0
    for s in r["spans"]:
        assert s["type"] in T, s
        assert 0 <= s["start"] < s["end"] <= len(b), (r["id"], s)
        assert s["start"] >= prev_end, ("overlapping spans", r["id"])
        prev_end = s["end"]
        assert b[s["start"]:s["end"]].decode("utf-8") == s["text"], (r["id"], s)
        assert s["text"] == s["text"].strip(), (r["id"], s)
        if s["type"] in CHECKS:
            assert CHECKS[s["type"]](s["text"]), (r["id"], s)

# counts and minimums
counts = {}
for r in out:
    for s in r["spans"]:
        counts.setdefault(s["type"], {"en": 0, "zh": 0})[r["lang"]] += 1
n_pos = sum(1 for r in out if r["spans"])
n_neg = sum(1 for r in out if not r["spans"])
assert n_pos >= 100, n_pos
assert n_neg >= 50, n_neg
for t in T:
    c = counts.get(t, {"en": 0, "zh": 0})
    assert c["en"] + c["zh"] >= 6, (t, c)

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "holdout.jsonl"), "w", encoding="utf-8") as f:
    for r in out:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")

langs = {}
for r in out:
    k = ("pos" if r["spans"] else "neg", r["lang"])
    langs[k] = langs.get(k, 0) + 1
print("positives %d, negatives %d" % (n_pos, n_neg))
print("sentences by lang:", {"%s/%s" % k: v for k, v in sorted(langs.items())})
print("%-9s %4s %4s %5s" % ("type", "en", "zh", "total"))
for t in T:
    c = counts.get(t, {"en": 0, "zh": 0})
    print("%-9s %4d %4d %5d" % (t, c["en"], c["zh"], c["en"] + c["zh"]))
