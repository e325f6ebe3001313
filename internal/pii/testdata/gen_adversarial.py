#!/usr/bin/env python3
"""Generate adversarial.jsonl: hard PII cases and look-alike negatives for the scrubber.

Written apart from the Go detectors (their code was not read): the sentences imitate what real
shoppers type in English and Chinese reviews, and are built to trip a regex scrubber -- full-width
digits and ＠, no-break (U+00A0) and ideographic (U+3000) spaces, en/em dashes inside numbers,
numbers split in groups, lower-case IBANs, obfuscated e-mails ("name [at] 163 [dot] com"),
resident ids in groups, SSNs with and without a label, URLs without a scheme, order references,
Chinese rural addresses, lower-case US and UK addresses, names after "my name is"/"我叫"/"本人",
PII at the very start or end, adjacent items and punctuation stuck to the value.

Format, one JSON object a line:
  {"id": "adv-0001", "lang": "en"|"zh", "text": "...",
   "spans": [{"type": T, "start": byte_start, "end": byte_end, "text": "..."}]}
Offsets are UTF-8 byte offsets into "text"; text[start:end] (in bytes) == span "text".
Look-alike negatives (must stay untouched) have "spans": [] and ids "advneg-0001".
Types: EMAIL PHONE CARD CN_ID IBAN IP URL ORDER_ID ADDRESS SSN PERSON.
Span convention: the span covers exactly the PII value -- the whole obfuscated form for e-mails,
street address through postcode/unit for addresses, only the name (no title) for persons.

All values are made up with a fixed seed; check digits (Luhn, ISO 7064 MOD 11-2, IBAN MOD 97)
are computed here, SSNs respect the valid ranges.  Run from this folder:
  /usr/bin/python3 gen_adversarial.py
"""
import json
import os
import random
import re

R = random.Random(20260307)

NBSP = "\u00a0"
IDEO = "\u3000"
EN = "\u2013"
EM = "\u2014"
FWD = str.maketrans("0123456789", "０１２３４５６７８９")


def fw(s):
    """Full-width digits (and @ . - if present)."""
    return s.translate(FWD).replace("@", "＠").replace(".", "．").replace("-", "－")


def digits(n, first="0123456789"):
    return R.choice(first) + "".join(R.choice("0123456789") for _ in range(n - 1))


def group(d, sizes, sep):
    out, i = [], 0
    for n in sizes:
        out.append(d[i:i + n])
        i += n
    if i < len(d):
        out.append(d[i:])
    return sep.join(x for x in out if x)


# ---------------------------------------------------------------- checksums

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


def luhn_complete(prefix, length):
    body = prefix + "".join(R.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for c in "0123456789":
        if luhn_ok(body + c):
            return body + c
    raise AssertionError


CNID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def cnid_check(first17):
    return "10X98765432"[sum(int(a) * w for a, w in zip(first17, CNID_W)) % 11]


def cnid_ok(s):
    return len(s) == 18 and s[:17].isdigit() and cnid_check(s[:17]) == s[17].upper()


def iban_mod(s):
    s = s[4:] + s[:4]
    num = "".join(str(int(c, 36)) for c in s.upper())
    return int(num) % 97


def iban_ok(s):
    return iban_mod(s) == 1


# ---------------------------------------------------------------- value generators

CN_MOBILE_PREFIX = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151",
                    "152", "153", "155", "156", "157", "158", "159", "166", "177", "180", "181",
                    "182", "183", "185", "186", "187", "188", "189", "191", "199"]


def cn_mobile():
    return R.choice(CN_MOBILE_PREFIX) + digits(8)


def us_phone():
    return digits(3, "23456789"), digits(3, "23456789"), digits(4)


def card_digits(kind=None):
    kind = kind or R.choice(["visa", "mc", "amex", "up", "disc", "mc2", "jcb"])
    if kind == "visa":
        return luhn_complete("4" + digits(1), 16)
    if kind == "mc":
        return luhn_complete("5" + R.choice("12345"), 16)
    if kind == "mc2":
        return luhn_complete("2" + R.choice(["221", "300", "500", "720"]), 16)
    if kind == "amex":
        return luhn_complete("3" + R.choice("47"), 15)
    if kind == "disc":
        return luhn_complete("6011", 16)
    if kind == "jcb":
        return luhn_complete("35" + R.choice(["28", "40", "89"]), 16)
    if kind == "up19":
        return luhn_complete("62" + R.choice("0123458"), 19)
    return luhn_complete("62" + R.choice("0123458"), 16)


CN_AREAS = ["110105", "110108", "310115", "310104", "440305", "440106", "320106", "330106",
            "510104", "420111", "610113", "370102", "430102", "350203", "500103", "120101",
            "411302", "341221", "522401", "452623"]


def cn_id(want_x=None):
    while True:
        y = R.randint(1952, 2006)
        m = R.randint(1, 12)
        d = R.randint(1, 28)
        first = R.choice(CN_AREAS) + "%04d%02d%02d" % (y, m, d) + digits(3)
        full = first + cnid_check(first)
        if want_x is None or (full.endswith("X") == want_x):
            return full


def iban(cc=None):
    cc = cc or R.choice(["DE", "GB", "FR", "NL", "ES", "IT", "BE", "CH", "AT", "IE"])
    L = lambda n: "".join(R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))
    if cc == "DE":
        bban = digits(8) + digits(10)
    elif cc == "GB":
        bban = R.choice(["NWBK", "BARC", "LOYD", "HBUK", "MIDL"]) + digits(6) + digits(8)
    elif cc == "IE":
        bban = R.choice(["AIBK", "BOFI"]) + digits(6) + digits(8)
    elif cc == "FR":
        bban = digits(5) + digits(5) + digits(11) + digits(2)
    elif cc == "NL":
        bban = R.choice(["ABNA", "INGB", "RABO", "TRIO"]) + digits(10)
    elif cc == "ES":
        bban = digits(20)
    elif cc == "IT":
        bban = L(1) + digits(5) + digits(5) + digits(12)
    elif cc == "BE":
        bban = digits(12)
    elif cc == "CH":
        bban = digits(5) + digits(12)
    else:  # AT
        bban = digits(5) + digits(11)
    chk = 98 - (int("".join(str(int(c, 36)) for c in bban + cc + "00")) % 97)
    s = cc + "%02d" % chk + bban
    assert iban_ok(s)
    return s


def ssn_parts():
    while True:
        a = R.randint(1, 899)
        if a != 666:
            break
    return "%03d" % a, "%02d" % R.randint(1, 99), "%04d" % R.randint(1, 9999)


def ipv4():
    while True:
        a = R.choice([36, 58, 61, 101, 112, 114, 116, 117, 120, 123, 171, 183, 203, 211, 218, 222,
                      24, 68, 73, 76, 86, 98, 174, 185, 188, 31, 82, 92])
        ip = "%d.%d.%d.%d" % (a, R.randint(0, 255), R.randint(0, 255), R.randint(2, 254))
        if ip not in ("1.1.1.1", "8.8.8.8"):
            return ip


def ipv6():
    return "2408:%x:%x:%x::%x" % (R.randint(0x8000, 0x8fff), R.randint(0x1000, 0xffff),
                                   R.randint(0x10, 0xffff), R.randint(1, 0xff))


def order_digits(n, first="0123456789"):
    """Order numbers: made not Luhn-valid so they cannot pass for a card number."""
    while True:
        d = digits(n, first)
        if not luhn_ok(d) and not (n == 18 and cnid_ok(d)):
            return d


def token(n, alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"):
    return "".join(R.choice(alphabet) for _ in range(n))


SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高",
            "林", "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧",
            "欧阳", "司马"]
GIVEN = ["晓明", "丽娟", "建国", "婷婷", "子涵", "浩然", "伟", "芳", "静", "磊", "秀英", "志强",
         "雨桐", "欣怡", "俊杰", "桂兰", "文博", "思远", "淑珍", "海燕", "一鸣", "佳琪", "德华", "春生"]


def cn_name():
    return R.choice(SURNAMES) + R.choice(GIVEN)


EN_FIRST = ["Emily", "Dave", "Rachel", "Marcus", "Priya", "Tom", "Aisha", "Kevin", "Hannah",
            "Luis", "Greta", "Owen", "Mei", "Nadia", "Carlos", "Bethany", "Sean", "Ingrid"]
EN_LAST = ["Carter", "O'Brien", "Kowalski", "Okafor", "Nguyen", "Becker", "Fitzgerald",
           "Gonzalez-Ruiz", "Lindqvist", "Patel", "MacLeod", "Hernandez", "Whitaker", "Abernathy"]


def en_name():
    return R.choice(EN_FIRST) + " " + R.choice(EN_LAST)


# ---------------------------------------------------------------- corpus builder

POS, NEG = [], []


def P(lang, *parts):
    """parts: plain strings, or (TYPE, value) tuples that become spans."""
    POS.append((lang, parts))


def N(lang, text):
    NEG.append((lang, text))


def build(parts):
    text, spans, off = "", [], 0
    for p in parts:
        if isinstance(p, tuple):
            t, v = p
            b = len(v.encode("utf-8"))
            spans.append({"type": t, "start": off, "end": off + b, "text": v})
            text += v
            off += b
        else:
            text += p
            off += len(p.encode("utf-8"))
    return text, spans


# ================================================================ PHONE
def cn_fmt(d, style):
    a, b, c = d[:3], d[3:7], d[7:]
    return {
        "plain": d,
        "sp": f"{a} {b} {c}",
        "nbsp": f"{a}{NBSP}{b}{NBSP}{c}",
        "ideo": f"{a}{IDEO}{b}{IDEO}{c}",
        "dash": f"{a}-{b}-{c}",
        "en": f"{a}{EN}{b}{EN}{c}",
        "em": f"{a}{EM}{b}{EM}{c}",
        "p86": f"+86 {a} {b} {c}",
        "p86d": f"+86-{d}",
        "p86nb": f"+86{NBSP}{d}",
        "fw": fw(d),
        "fwideo": f"{fw(a)}{IDEO}{fw(b)}{IDEO}{fw(c)}",
        "fwdash": f"{fw(a)}－{fw(b)}－{fw(c)}",
        "paren86": f"(+86){d}",
        "g4": f"{d[:4]} {d[4:8]} {d[8:]}",
    }[style]


for lang, pre, style, post in [
    ("zh", "快递员一直打我电话", "fw", "，说放驿站了，结果根本没有。"),
    ("zh", "有需要的可以联系我 ", "ideo", " 微信同号"),
    ("zh", "收货电话我写的是", "em", "，结果快递送到隔壁小区去了"),
    ("zh", "卖家让我打", "en", "，打了三次都没人接😤"),
    ("zh", "加我vx或者直接打", "nbsp", "都行，二手转让这个锅"),
    ("zh", "手机：", "fwideo", "（白天有人）"),
    ("zh", "退货寄回的时候写了我的号", "dash", "，记得打这个"),
    ("zh", "电话", "p86", "，到了楼下打给我就行"),
    ("en", "Courier insisted on calling ", "p86d", " at 11pm, not cool."),
    ("en", "my number in China is ", "g4", " – the driver never called it"),
    ("zh", "商家把我电话", "fwdash", "印在了包裹外面！隐私呢？"),
    ("zh", "联系人手机号(", "plain", ")写错了一位，客服帮改了"),
    ("en", "Delivery guy called me on ", "paren86", ", super polite, 5 stars"),
    ("zh", "有问题找我，", "sp", ""),
]:
    P(lang, pre, ("PHONE", cn_fmt(cn_mobile(), style)), post)

P("zh", ("PHONE", cn_fmt(cn_mobile(), "plain")), " 是我手机号，商家别再打了，已经拉黑三个号了！")
P("zh", ("PHONE", cn_fmt(cn_mobile(), "sp")), "这个号码是我老婆的，收件人写她")

for lang, pre, phone, post in [
    ("en", "Seller kept texting me at ", "({}) {}-{}", " about a review bonus. Reported."),
    ("en", "they printed my phone (", "({}) {}{}{}", ") on the outside of the box"),
    ("en", "Call me: ", "{}.{}.{}", ". I'll sell you my spare cartridges."),
    ("en", "Pls text ", "+1 {} {} {}", " if you found the charger I left in the return box"),
    ("en", "my cell is ", "{}{}{}{}{}", " btw, the tracking never updated"),
    ("en", "Reach me on ", "1-{}-{}-{}", ", happy to answer questions about fit."),
]:
    a, b, c = us_phone()
    if phone.count("{}") == 5:
        v = f"{a}{EN}{b}{EN}{c}"
    elif phone == "({}) {}{}{}":
        v = f"({a}){NBSP}{b}{EN}{c}"
    else:
        v = phone.format(a, b, c)
    P(lang, pre, ("PHONE", v), post)

a, b, c = us_phone()
P("en", ("PHONE", f"{a}-{b}-{c}"), " is my number if the seller wants to settle this privately.")
P("en", "Call/WhatsApp ", ("PHONE", "+44 7700 900" + digits(3)), ", happy to show you the scratch on the lid.")
P("en", "uk folks can ring me on ", ("PHONE", "07700" + NBSP + "900" + digits(3)), " for the spare bits")
P("en", "Office: ", ("PHONE", "+44 (0)20 7946 0" + digits(3)), ". Ask for the returns team, they were brilliant.")
P("zh", "座机", ("PHONE", "0755-8" + digits(7)), "，工作日送货前请先打电话")
P("zh", "公司前台电话：", ("PHONE", "021 5" + digits(3) + " " + digits(4)), "，放前台就行")
P("zh", "老家座机 ", ("PHONE", "(0371)6" + digits(7)), " 也可以联系到我妈")

# ================================================================ EMAIL
for lang, pre, email, post in [
    ("en", "email me at ", "jenny.w [at] gmail [dot] com", " if you want more photos of the stitching"),
    ("en", "my email: ", "tom.hale(at)outlook(dot)com", " (seller never answered)"),
    ("en", "drop me a line: ", "mike_r AT yahoo DOT com", ", I can send the receipt"),
    ("en", "contact ", "sarah {at} protonmail {dot} me", " for the spare lens cap"),
    ("en", "Write to ", "K.Foster@Protonmail.com", "!! I'll ship the extra strap for free"),
    ("en", "replacement code was sent to <", "dan+returns@fastmail.com", "> but never arrived"),
    ("en", "Seller's reply went to spam: ", "lisa.tan88@gmail.com", "."),
    ("en", "my school address ", "a.kumar@student.uni-example.ac.uk", " got the refund confirmation"),
    ("zh", "邮箱 ", "zhangwei88 [at] 163 [dot] com", " 有问题可以发我"),
    ("zh", "发票发到", "lixiaoyu＠qq．com", "了吗？一直没收到"),
    ("zh", "我邮箱是", "wangfang(at)126(dot)com", "，求发一份电子说明书"),
    ("zh", "联系邮箱：", "chen.jing@sina.cn", "。"),
    ("zh", "麻烦发我邮箱", "349271856@qq.com", "谢谢"),
    ("zh", "邮箱", "xiaoli#163.com", "（#换成@），要视频的找我"),
    ("zh", "邮件地址是 ", "liu_yang＠foxmail.com", " 不是QQ邮箱"),
    ("zh", "email：", "Hu.Min@outlook.com", "，英文邮箱也行"),
    ("zh", "客服叫我发照片到", "zhao.lei at 139 dot com", "，发了三天没回"),
    ("zh", "我的邮箱", "yangxue2021 @ 163.com", "，中间没有空格哈"),
    ("zh", "发到", "４４７１２９３８＠ｑｑ．ｃｏｍ", "就行"),
]:
    P(lang, pre, ("EMAIL", email), post)
P("en", ("EMAIL", "sarah_92@hotmail.co.uk"), " - that's where the invoice went, not the account email.")
P("en", "invoice went to my work email, ", ("EMAIL", "J.Smith@Acme-Example.COM"))
P("en", "email/phone: ", ("EMAIL", "peter.h@gmx.de"), "/", ("PHONE", "+49 151 2" + digits(7)),
  " - seller can contact me about the missing screws")
P("zh", ("EMAIL", "qianqian.zhou@126.com"), "是我的邮箱，卖家说补发的配件会发到这里确认")

# ================================================================ CARD
for lang, pre, kind, fmt, post in [
    ("en", "They charged my card ", "visa", "sp", " twice for one order!!"),
    ("en", "refund should go back to ", "mc", "dash", ", not store credit"),
    ("en", "card number ", "amex", "amex", " was used for this, please refund it"),
    ("en", "paid with ", "visa", "nbsp", " and never got a receipt."),
    ("en", "CC: ", "disc", "plain", ". Billing zip is correct, still declined"),
    ("zh", "扣款的卡是", "up", "fw", "，重复扣了两次"),
    ("zh", "退款请退到这张卡：", "up19", "sp4", "。"),
    ("zh", "我用信用卡", "mc2", "ideo", "付的，账单上显示两笔"),
    ("zh", "银行卡号", "up", "dash", "，麻烦尽快退款"),
    ("en", "the chat bot asked me for my card (", "jcb", "sp", ") which feels sketchy"),
    ("zh", "我把卡号", "visa", "plain", "发给客服了，是不是被骗了"),
]:
    d = card_digits(kind)
    if fmt == "sp":
        v = group(d, [4, 4, 4, 4], " ")
    elif fmt == "dash":
        v = group(d, [4, 4, 4, 4], "-")
    elif fmt == "amex":
        v = group(d, [4, 6, 5], " ")
    elif fmt == "nbsp":
        v = group(d, [4, 4, 4, 4], NBSP)
    elif fmt == "fw":
        v = fw(group(d, [4, 4, 4, 4], " "))
    elif fmt == "sp4":
        v = group(d, [4, 4, 4, 4, 3], " ")
    elif fmt == "ideo":
        v = group(d, [4, 4, 4, 4], IDEO)
    else:
        v = d
    P(lang, pre, ("CARD", v), post)
P("en", ("CARD", card_digits("visa")), " <- that card got charged after I cancelled. Avoid this shop.")

# ================================================================ CN_ID
for lang, pre, fmt, post, want_x in [
    ("zh", "清关要身份证号，我填的", "plain", "，不知道安不安全", None),
    ("zh", "身份证：", "g684", "（海淘实名认证用的）", None),
    ("zh", "本人身份证号码", "lowx", "，麻烦帮忙查一下清关进度", True),
    ("zh", "实名信息 ", "g6444", " 已经上传了", None),
    ("zh", "身份证号", "fw", "，姓名跟收件人一致", None),
    ("zh", "海关让补资料，身份证", "X", "，照片也发了", True),
    ("zh", "客服居然让我把身份证号（", "plain", "）发在评论里？？", None),
    ("en", "customs asked for my Chinese ID number, I gave ", "g684", ", is that normal?", None),
    ("en", "ID no.", "plain", " was required for the cross-border shipment", None),
    ("zh", "收件人身份证", "nbsp", "，收件人手机见订单", None),
]:
    v = cn_id(want_x)
    if fmt == "g684":
        v = f"{v[:6]} {v[6:14]} {v[14:]}"
    elif fmt == "lowx":
        v = v.lower()
    elif fmt == "g6444":
        v = f"{v[:6]} {v[6:10]} {v[10:14]} {v[14:]}"
    elif fmt == "fw":
        v = fw(v)
    elif fmt == "nbsp":
        v = f"{v[:6]}{NBSP}{v[6:14]}{NBSP}{v[14:]}"
    P(lang, pre, ("CN_ID", v), post)
P("zh", ("CN_ID", cn_id()), "是我的身份证号，跨境订单必须填，吐槽一下")

# ================================================================ IBAN
for lang, pre, cc, fmt, post in [
    ("en", "refund to my account ", "DE", "g4", " please, PayPal isn't working"),
    ("en", "my iban is ", "GB", "low", " - the seller insisted on a bank transfer"),
    ("en", "IBAN:", "NL", "compact", ". Still no refund after 3 weeks."),
    ("en", "sent them my bank details (", "FR", "lowg4", ") and now I regret it"),
    ("en", "please wire the refund to ", "ES", "g4", "."),
    ("en", "iban ", "IT", "lowcompact", " bic whatever, just pay me back"),
    ("zh", "退款账户IBAN：", "DE", "g4", "，德国账户"),
    ("zh", "卖家让我提供欧洲账户，我给了", "BE", "lowg4", "，到现在没退"),
    ("zh", "国际汇款退到", "CH", "nbsp", "就行"),
    ("en", "bank acct ", "IE", "g4", " (Irish), thanks for sorting the refund"),
    ("en", ("IBAN",), "AT", "g4", " is the account on the invoice, not mine, weird."),
]:
    v = iban(cc)
    if fmt == "g4":
        v = group(v, [4] * 8, " ")
    elif fmt == "low":
        v = group(v, [4] * 8, " ").lower()
    elif fmt == "lowg4":
        v = group(v, [4] * 8, " ").lower()
    elif fmt == "lowcompact":
        v = v.lower()
    elif fmt == "nbsp":
        v = group(v, [4] * 8, NBSP)
    if isinstance(pre, tuple):
        P(lang, ("IBAN", v), post)
    else:
        P(lang, pre, ("IBAN", v), post)

# ================================================================ SSN
for lang, pre, fmt, post in [
    ("en", "the warranty form asked for my SSN ", "dash", " which is insane for a blender"),
    ("en", "social security number ", "space", " was on the credit application, I want it deleted"),
    ("en", "SSN: ", "compact", ". Why would a store need this?!"),
    ("en", "Social Security No. ", "en", " -- typed it in the financing form, regret it"),
    ("en", "I typed ", "dash", " in the financing box by mistake, please remove it"),
    ("en", "ssn#", "dash", ", dob on file, still got denied for the payment plan"),
    ("en", "my social is ", "nbsp", " if you need it for the credit check lol"),
    ("zh", "在美国站买的，分期付款要填社保号", "dash", "，有点担心"),
    ("zh", "SSN ", "compact", "是我在美国的社安号，卖家为什么要这个"),
]:
    a, b, c = ssn_parts()
    v = {"dash": f"{a}-{b}-{c}", "space": f"{a} {b} {c}", "compact": a + b + c,
         "en": f"{a}{EN}{b}{EN}{c}", "nbsp": f"{a}{NBSP}{b}{NBSP}{c}"}[fmt]
    P(lang, pre, ("SSN", v), post)
a, b, c = ssn_parts()
P("en", "Financing app: ", ("PERSON", en_name()), ", ", ("SSN", f"{a}-{b}-{c}"), ". Never again.")

# ================================================================ IP
for lang, pre, kind, post in [
    ("en", "my IP ", "v4", " got banned from the store after one bad review"),
    ("en", "The seller said my order came from ", "v4", ", which isn't even my city"),
    ("en", "account locked, login attempt from [", "v4", "] wasn't me"),
    ("en", "home ip is ", "v6", ", support asked for it to unblock me"),
    ("zh", "店铺说我的IP是", "v4", "，所以不给发货"),
    ("zh", "登录提醒显示异地IP：", "v4", "。不是我本人操作"),
    ("zh", "ip：", "fw", "，客服让我截图的"),
    ("zh", "我家宽带IPv6地址", "v6", "被封了，没法下单"),
    ("en", "someone logged into my account from ", "v4", "."),
]:
    v = ipv6() if kind == "v6" else ipv4()
    if kind == "fw":
        v = fw(v)
    P(lang, pre, ("IP", v), post)

# ================================================================ URL
for lang, pre, url, post in [
    ("en", "track my parcel here: ", "shop-example.com/track?t=" + token(16), " (it's been stuck for a week)"),
    ("en", "photos of the damage: ", "https://drive.google.com/file/d/1" + token(25) + "/view", ""),
    ("en", "see my full review on ", "lilymakesthings.blogspot.com/2024/03/air-fryer-review.html", "!"),
    ("en", "invoice link (", "https://pay.example-store.com/invoice/" + token(10) + "?email=me", ") shows my address"),
    ("en", "my wishlist ", "amzn.example/wl/" + token(12).upper(), ", gift ideas welcome"),
    ("zh", "商品链接在这：", "https://m.tb.example.cn/h." + token(7) + "?tk=" + token(11), " 复制打开"),
    ("zh", "我的小红书主页", "xiaohongshu.com/user/profile/" + token(24, "0123456789abcdef"), "有实拍"),
    ("zh", "物流查询：", "kuaidi.example.com/q?no=" + digits(13) + "&phone=" + digits(4), "，一直显示揽收"),
    ("zh", "晒单视频在", "weibo.com/u/" + digits(10, "1234567"), "，欢迎来看"),
    ("zh", "退款进度链接：", "http://refund.example-shop.cn/r?uid=" + digits(9) + "&sign=" + token(8), "。"),
]:
    P(lang, pre, ("URL", url), post)
P("en", "Unboxing: ", ("URL", "youtu.be/" + token(11)), ". Spoiler: the box was crushed")
P("en", ("URL", "www.janedoe-makes.com/contact"), " if you want me to customise one for you")
P("zh", "下单时填的个人主页", ("URL", "https://space.bilibili.com/" + digits(9)), "，可以看测评")

# ================================================================ ORDER_ID
for lang, pre, oid, post in [
    ("en", "order #", "112-" + digits(7) + "-" + digits(7), " arrived with a cracked screen"),
    ("en", "ref no. ", "RMA-" + digits(6), " - still waiting for the replacement after 2 weeks"),
    ("en", "Order ID: ", "W" + digits(10), ". Customer service closed the ticket without replying."),
    ("en", "my order (", digits(2) + "-" + digits(5) + "-" + digits(5), ") was marked delivered but nothing came"),
    ("en", "Ref No.", token(4, "ABCDEFGHJKLMNPQRSTUVWXYZ") + "-" + digits(4) + "-" + token(2, "ABCDEFGHJKLMNPQRSTUVWXYZ"), ", please escalate"),
    ("en", "return for order #", digits(9), " approved, label emailed"),
    ("zh", "订单号", order_digits(19, "234"), "，申请退款三天了还没处理"),
    ("zh", "订单号：", digits(12, "2"), "，麻烦客服看一下"),
    ("zh", "订单编号 ", digits(6) + "-" + order_digits(15), " 一直显示待发货"),
    ("zh", "售后单号：", "SH" + order_digits(14), "，寄回的运费谁出？"),
    ("zh", "订单号是", fw(order_digits(16, "3")), "，发错颜色了"),
    ("zh", "我的订单", "E" + order_digits(17), "到现在还没发货，催了好几次"),
]:
    P(lang, pre, ("ORDER_ID", oid), post)
P("en", "#", ("ORDER_ID", digits(3) + "-" + digits(7) + "-" + digits(7)), " was refunded, thanks!")

# ================================================================ ADDRESS
RURAL = [
    ("四川省", "绵阳市", "三台县", "芦溪镇", "金龙村"),
    ("河南省", "周口市", "郸城县", "宁平镇", "王楼村"),
    ("湖南省", "邵阳市", "隆回县", "桃洪镇", "大坪村"),
    ("安徽省", "阜阳市", "临泉县", "杨桥镇", "朱庄村"),
    ("山东省", "临沂市", "沂南县", "岸堤镇", "东山村"),
    ("江西省", "赣州市", "于都县", "罗坳镇", "石溪村"),
    ("广西壮族自治区", "玉林市", "博白县", "沙河镇", "六湖村"),
    ("贵州省", "毕节市", "七星关区", "田坝镇", "新街村"),
    ("云南省", "曲靖市", "宣威市", "杨柳乡", "可渡村"),
    ("甘肃省", "天水市", "秦安县", "兴国镇", "窑湾村"),
]


def rural(i, style):
    p, c, x, t, v = RURAL[i]
    zu = R.randint(1, 12)
    hu = R.randint(1, 60)
    if style == "full":
        return f"{p}{c}{x}{t}{v}{zu}组{hu}号"
    if style == "hu":
        return f"{c}{x}{t}{v}{zu}组{hu}户"
    if style == "spaced":
        return f"{p} {c} {x} {t} {v} {zu}组"
    if style == "nopro":
        return f"{x}{t}{v}{fw(str(zu))}组{hu}号"
    return f"{p}{c}{x}{t}{v}村委会旁{hu}号"


for i, (pre, style, post) in enumerate([
    ("收货地址：", "full", "，快递只到镇上，还得自己去拿"),
    ("寄到", "hu", "，村里快递点太远了"),
    ("地址写的", "spaced", "，顺丰能送到家门口，点赞"),
    ("我家在", "nopro", "，京东都能送到，太方便了"),
    ("发货地址改成", "near", "，别再寄错了"),
    ("请寄到", "full", "，电话写的我爸的"),
    ("", "hu", "，这个地址请商家记住，下次别发中通"),
    ("地址：", "spaced", ""),
    ("老家地址", "full", "，给我妈买的，她很喜欢"),
    ("送货到", "nopro", "。"),
]):
    P("zh", pre, ("ADDRESS", rural(i, style)), post)

for pre, addr, post in [
    ("寄到", "上海市浦东新区张江路" + str(R.randint(100, 2999)) + "弄" + str(R.randint(1, 40)) + "号" + str(R.randint(101, 2502)) + "室", "，物业代收"),
    ("地址：", "北京市朝阳区望京西园三区" + str(R.randint(300, 330)) + "号楼2单元" + str(R.randint(101, 1805)), "，周末在家"),
    ("收货地址是", "广东省深圳市南山区高新南七道" + str(R.randint(1, 99)) + "号" + fw(str(R.randint(1, 30))) + "栋" + str(R.randint(101, 3302)), "，放丰巢"),
    ("我住", "杭州市西湖区文三路" + str(R.randint(1, 500)) + "号" + str(R.randint(1, 20)) + "幢" + str(R.randint(1, 6)) + "单元" + str(R.randint(101, 1202)) + "室", "，下次别放门口了"),
]:
    P("zh", pre, ("ADDRESS", addr), post)

US_ADDR = [
    ("en", "ship it to ", "{n} elm st apt 4b, springfield, il 62704", " not my work address"),
    ("en", "delivered to ", "{n} W Oak Ave, Unit 12, Austin, TX 78701", " instead of my place, twice"),
    ("en", "my address is ", "{n} maple drive, apt. 3c, columbus oh 43215", ", please fix your system"),
    ("en", "left at ", "{n} N. Lincoln Blvd #210, Chicago, IL 60614", ". Neighbor had to bring it over."),
    ("en", "", "{n} birchwood ln, boise, id 83702", " - that's where it should have gone, not the PO box"),
    ("en", "return label shows ", "{n} Pine Street, Suite 400, Portland, OR 97204", " which is wrong"),
    ("en", "send the replacement to ", "{n} Harbor View Rd., Apt 7, San Diego CA 92101-4413", "."),
]
for lang, pre, addr, post in US_ADDR:
    P(lang, pre, ("ADDRESS", addr.format(n=R.randint(12, 9899))), post)

UK_ADDR = [
    ("ship to ", "{n} Mill Lane, Leeds LS6 2AB", ", not the old flat"),
    ("delivered to ", "Flat 3, {n} Victoria Road, Manchester M14 5RT", " but the buzzer is broken"),
    ("my address: ", "flat 2, {n} kings road, brighton bn1 1ne", ". courier left it in the rain"),
    ("parcel went to ", "{n}B Baker Street, London NW1 6XE", " - next door to me"),
    ("", "{n} Rosebery Ave, Edinburgh EH3 9QQ", " is where I live, Royal Mail could not find it"),
    ("please use ", "{n} High St, Cardiff CF10 1AA", " for the exchange"),
]
for pre, addr, post in UK_ADDR:
    P("en", pre, ("ADDRESS", addr.format(n=R.randint(2, 180))), post)

# ================================================================ PERSON
for lang, pre, name_fn, post in [
    ("en", "Hi, my name is ", en_name, " and I bought this for my daughter."),
    ("en", "I'm ", en_name, ", the one who reported the broken hinge last month."),
    ("en", "Great seller. Signed, ", en_name, ""),
    ("en", "my name is ", lambda: en_name().lower(), ", the account name is my husband's"),
    ("en", "Package was addressed to ", en_name, " instead of me."),
    ("en", "The courier (", en_name, ") was super rude at the door"),
    ("en", "thanks so much! -- ", lambda: R.choice(EN_FIRST), ""),
    ("en", "Ms. ", lambda: R.choice(["Emily", "Rachel", "Priya", "Aisha", "Hannah", "Greta", "Nadia", "Ingrid"]) + " " + R.choice(EN_LAST), " from support sorted it out in 10 minutes."),
    ("zh", "我叫", cn_name, "，上周买的这个电饭煲已经坏了"),
    ("zh", "我是", cn_name, "，之前投诉过的那个买家"),
    ("zh", "本人", cn_name, "，已确认收货，东西不错"),
    ("zh", "收件人：", cn_name, "，电话见订单"),
    ("zh", "快递员", cn_name, "态度特别好，给他点赞"),
    ("zh", "客服", cn_name, "处理得很及时，谢谢"),
    ("zh", "给我爸", cn_name, "买的，他说穿着很舒服"),
    ("zh", "我叫", lambda: R.choice(SURNAMES[:20]) + R.choice(["伟", "芳", "静", "磊"]), "，手机尾号不方便说"),
]:
    P(lang, pre, ("PERSON", name_fn()), post)
P("zh", ("PERSON", cn_name()), "，这是我的真名，差评到底！")
P("en", "Review by ", ("PERSON", en_name()), ", verified buyer")

# ================================================================ multi-PII / adjacent / mixed
P("zh", "我叫", ("PERSON", cn_name()), "，电话", ("PHONE", cn_fmt(cn_mobile(), "sp")), "，地址",
  ("ADDRESS", rural(3, "full")), "，麻烦补发一个盖子")
P("zh", "收件人", ("PERSON", cn_name()), ("PHONE", cn_mobile()), ("ADDRESS", rural(6, "hu")))
P("en", "my name is ", ("PERSON", en_name()), ", email ", ("EMAIL", "rkp.88@icloud.com"),
  ", phone ", ("PHONE", "(%s) %s-%s" % us_phone()), " - call me about the refund")
P("en", "Ship to ", ("PERSON", en_name()), ", ", ("ADDRESS", "%d Cedar Ct, Apt 5, Reno, NV 89501" % R.randint(10, 999)),
  ". Order #", ("ORDER_ID", "112-" + digits(7) + "-" + digits(7)), ".")
P("zh", "订单号", ("ORDER_ID", order_digits(19, "3")), "，身份证", ("CN_ID", cn_id()), "，清关卡住了")
P("en", ("EMAIL", "ana.silva@gmail.com"), ";", ("PHONE", "+351 912 " + digits(3) + " " + digits(3)),
  " — message me if you want the leftover tiles")
P("zh", "本人", ("PERSON", cn_name()), "，手机", ("PHONE", cn_fmt(cn_mobile(), "fw")), "，邮箱",
  ("EMAIL", "mm_" + digits(5) + "[at]sina[dot]com"))
P("en", "card ", ("CARD", group(card_digits("mc"), [4, 4, 4, 4], " ")), ", order #",
  ("ORDER_ID", digits(9)), " - refund please")
P("zh", "退款到", ("IBAN", group(iban("DE"), [4] * 8, " ")), "，我叫", ("PERSON", cn_name()))
P("en", "login from ", ("IP", ipv4()), " placed order #", ("ORDER_ID", "W" + digits(10)), " on my account, not me")

# ================================================================ NEGATIVES (must stay untouched)
NEGS = [
    ("en", "Bought the Samsung SM-G991B, battery lasts 2 days easily."),
    ("en", "The RTX 4090 barely fits in my case, 336 mm long."),
    ("en", "Price dropped from $1,299.99 to $999.00 a week after I bought it."),
    ("en", "Arrived 2024-03-15, ordered on 03/09/2024, so 6 days."),
    ("en", "I'm 5'11\" and 180 lbs, size L fits perfectly."),
    ("en", "Firmware v2.10.3 fixed the Bluetooth dropouts."),
    ("en", "After updating to Windows 10.0.19045.3803 the driver works again."),
    ("en", "It's a 20 Minute Drive from the store, so I ordered online instead."),
    ("en", "Came in 2 Large Boxes Place them flat or the legs bend."),
    ("en", "Kids love the Harry Potter book set, pages are thick."),
    ("en", "Looks just like the Michael Kors bag at half the price."),
    ("en", "Dr. Martens boots need a week to break in, worth it."),
    ("en", "I'm Very Happy with this purchase, would buy again."),
    ("en", "I'm a size 8 usually and the 8 was tight."),
    ("en", "Signed Edition copy arrived with a bent corner."),
    ("en", "My name is printed wrong on the personalised mug, but otherwise nice."),
    ("en", "ISBN 978-0-7475-3269-9 is the edition with the original cover."),
    ("en", "Bought 3 @ $4.99 each, cheaper than at the supermarket."),
    ("en", "Works fine on AT&T, no SIM issues."),
    ("en", "Battery: 5000mAh, screen 6.7 inch, 120Hz, 2400x1080."),
    ("en", "Runs Node.js and the ASP.NET sample without issues."),
    ("en", "The README.md on the USB stick explains the setup.py step."),
    ("en", "Delivered at 14:30, two hours earlier than the 16:00-18:00 window."),
    ("en", "95% cotton, 5% elastane, shrank about 3% in the wash."),
    ("en", "Model #A2337, 8-core, 256GB, bought refurbished."),
    ("en", "#1 Best Seller for a reason, I own three now."),
    ("en", "Smells exactly like Chanel No. 5, amazing dupe."),
    ("en", "E14 bulbs and GU10 bulbs both included, 5W each."),
    ("en", "Take B12 daily, these tablets are tiny and easy to swallow."),
    ("en", "M3 x 12 mm screws were missing from the kit."),
    ("en", "Tommy Hilfiger jacket, genuine, tags attached."),
    ("en", "Catalog no. 987-65-4321 in the manual matches the spare part."),
    ("en", "The 3-pack is 24.99, the 6-pack 44.99; get the 6-pack."),
    ("en", "Resolution is 3840 x 2160 at 60 Hz over HDMI 2.1."),
    ("en", "Shipped from the Shenzhen warehouse, took 12 days to reach Ohio."),
    ("en", "Ordered 2 more for my parents, same colour."),
    ("en", "Fits the iPhone 15 Pro Max, the cutout for the camera is perfect."),
    ("en", "Lego set 75192 has 7541 pieces, took us a month."),
    ("en", "Tire size 225/45R17 94W, quiet on the highway."),
    ("en", "It says 1-2-3 on the box and that's literally how easy setup is."),
    ("zh", "鞋子42码偏大，建议拍小一码。"),
    ("zh", "衣服尺码180/96A，我175cm穿刚好。"),
    ("zh", "酒店式公寓2楼的前台可以帮忙代收快递，很方便。"),
    ("zh", "双十一买的，原价¥3,999，到手价2899元，划算。"),
    ("zh", "2023年11月11日下单，11月13日就到了。"),
    ("zh", "李宁的鞋子质量越来越好了，支持国货。"),
    ("zh", "王老吉一箱24罐，日期很新。"),
    ("zh", "张小泉剪刀很锋利，厨房必备。"),
    ("zh", "本人亲测有效，用了一个月祛痘明显。"),
    ("zh", "我是第一次在这家买，包装很用心。"),
    ("zh", "我叫了朋友一起拼单，便宜了不少。"),
    ("zh", "我是学生党，这个价格很友好。"),
    ("zh", "执行标准GB/T 22849-2014，面料是纯棉的。"),
    ("zh", "条形码6901234567892，扫了是正品。"),
    ("zh", "电池容量5000mAh，充电功率67W，半小时充满。"),
    ("zh", "好评率98%，物流3-5天，晚上10:30还送货。"),
    ("zh", "华为Mate 60 Pro 12+512GB，信号比之前好多了。"),
    ("zh", "版本号V3.2.1，系统升级后很流畅。"),
    ("zh", "广东发货，杭州仓也有货，第二天就到了。"),
    ("zh", "小米13 Ultra的镜头模组真大，拍照没得说。"),
    ("zh", "买了3件，每件才9.9元，还送了2双袜子。"),
    ("zh", "组装很方便，20分钟就装好了，村里老人也会用。"),
    ("zh", "商品编码100012043978，和官方旗舰店一样。"),
    ("zh", "生产日期20240315，保质期18个月。"),
    ("zh", "乔丹运动鞋穿着很舒服，性价比高。"),
    ("zh", "周黑鸭鸭脖太辣了，下次买微辣。"),
    ("zh", "型号KD-55X85K，55寸刚好放下。"),
    ("zh", "房间30平米，这个空调1.5匹刚好够用。"),
    ("zh", "1号线地铁站旁边的店就有卖，网上便宜50块。"),
    ("zh", "我是XL码，买的2XL，宽松一点好看。"),
    ("zh", "第3代比第2代轻了120克，续航也长了。"),
    ("zh", "《哈利·波特》全套七本，纸张很好，孩子爱看。"),
    ("zh", "分辨率2560×1440，刷新率165Hz，玩游戏很爽。"),
    ("zh", "本人172cm，65kg，M码合身。"),
    ("zh", "快递员说放在3号楼下的快递柜了，取件很方便。"),
    ("zh", "ISBN 978-7-5442-9116-3 这个版本翻译最好。"),
    ("zh", "用了三年的iPhone 12，换了这块4000mAh的电池又能用了。"),
    ("zh", "老干妈配这个锅做饭绝了，20分钟搞定一顿。"),
    ("zh", "价格从1299降到999，保价退了300元差价。"),
    ("zh", "温度显示25.5℃，湿度60%，比家里那个准。"),
]
for lang, t in NEGS:
    N(lang, t)


# ================================================================ output + checks
def norm_digits(s):
    s = s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    return re.sub(r"[^0-9Xx]", "", s)


def check_value(t, v):
    if t == "CARD":
        d = norm_digits(v)
        assert 13 <= len(d) <= 19 and luhn_ok(d), v
    elif t == "CN_ID":
        assert cnid_ok(norm_digits(v)), v
    elif t == "IBAN":
        c = re.sub(r"[\s\u00a0]", "", v).upper()
        assert iban_ok(c), v
    elif t == "SSN":
        d = norm_digits(v)
        assert len(d) == 9, v
        a, g, s = int(d[:3]), int(d[3:5]), int(d[5:])
        assert a not in (0, 666) and a < 900 and g != 0 and s != 0, v
    elif t == "PHONE":
        assert 10 <= len(norm_digits(v)) <= 14, v
    elif t == "IP":
        if ":" not in v:
            parts = v.translate(str.maketrans("０１２３４５６７８９．", "0123456789.")).split(".")
            assert len(parts) == 4 and all(0 <= int(p) <= 255 for p in parts), v


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "adversarial.jsonl")
    order = list(range(len(POS)))
    R.shuffle(order)
    rows = []
    for n, i in enumerate(order, 1):
        lang, parts = POS[i]
        text, spans = build(parts)
        rows.append({"id": "adv-%04d" % n, "lang": lang, "text": text, "spans": spans})
    for n, (lang, text) in enumerate(NEG, 1):
        rows.append({"id": "advneg-%04d" % n, "lang": lang, "text": text, "spans": []})

    types = ["EMAIL", "PHONE", "CARD", "CN_ID", "IBAN", "IP", "URL", "ORDER_ID", "ADDRESS", "SSN", "PERSON"]
    ids, texts = set(), set()
    count, count_lang = {t: 0 for t in types}, {}
    for r in rows:
        assert r["id"] not in ids
        ids.add(r["id"])
        assert r["text"] not in texts, r["text"]
        texts.add(r["text"])
        assert r["lang"] in ("en", "zh")
        if r["lang"] == "zh":
            assert re.search(r"[\u4e00-\u9fff]", r["text"]), r
        b = r["text"].encode("utf-8")
        prev_end = 0
        for s in r["spans"]:
            assert s["type"] in types, s
            assert b[s["start"]:s["end"]].decode("utf-8") == s["text"], (r["id"], s)
            assert s["start"] >= prev_end, ("overlap", r["id"])
            assert s["text"] == s["text"].strip(" \u00a0\u3000"), s
            prev_end = s["end"]
            check_value(s["type"], s["text"])
            count[s["type"]] += 1
        kind = "pos" if r["spans"] else "neg"
        count_lang[(kind, r["lang"])] = count_lang.get((kind, r["lang"]), 0) + 1
        if not r["spans"]:
            assert r["id"].startswith("advneg-")
        else:
            assert r["id"].startswith("adv-")

    npos = sum(1 for r in rows if r["spans"])
    nneg = len(rows) - npos
    assert npos >= 120 and nneg >= 60, (npos, nneg)
    for t in types:
        assert count[t] >= 8, (t, count[t])
    for t in ("PHONE", "EMAIL", "ADDRESS"):
        assert count[t] >= 20, (t, count[t])

    with open(out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    # re-read and re-check what was written
    with open(out, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            b = r["text"].encode("utf-8")
            for s in r["spans"]:
                assert b[s["start"]:s["end"]] == s["text"].encode("utf-8")

    print("positives %d, negatives %d" % (npos, nneg))
    print("by language:", ", ".join("%s/%s=%d" % (k[0], k[1], v) for k, v in sorted(count_lang.items())))
    print("spans by type:", ", ".join("%s=%d" % (t, count[t]) for t in types))


if __name__ == "__main__":
    main()
