#!/usr/bin/python3
"""Expected outputs for NumberToWords and EnglishCleaner, from Debian's python3-num2words (0.5.10).

Run from this folder: /usr/bin/python3 make_lyrics_fixtures.py  ->  num2words-fixtures.json, cleaner-fixtures.json
The reference cleaner below is written from docs/spec (songgen-model.md §6): the XTTS English cleaner steps in
order, with Python `re` semantics, which is what the C# port must reproduce.
"""
import json, random, re
from num2words import num2words

rng = random.Random(7)

cardinals = list(range(0, 131)) + [199, 200, 201, 999, 1000, 1001, 1010, 1100, 1999, 2000, 2001, 2024, 9999, 10000,
    10001, 12345, 99999, 100000, 100001, 101101, 999999, 1000000, 1000001, 1234567, 10**9, 10**9 + 7, 10**12,
    10**15 + 1, 10**18, 2**63 - 1, 2**64, 10**21 + 10**20, 10**30, 10**33 - 1, 10**100 + 1, 10**276, 10**279 - 1, 10**303, 10**306 - 1]
cardinals += [rng.randrange(10**rng.randint(1, 30)) for _ in range(200)]
negatives = [-1, -2, -13, -40, -101, -1000, -123456789, -(10**20)]
ordinals = list(range(0, 130)) + [200, 1000, 1001, 1012, 1020, 1090, 10**6, 10**6 + 3, 123456, 10**24]
ordinals += [rng.randrange(10**rng.randint(1, 20)) for _ in range(100)]
decimals = ["0.5", "1.5", "12.5", "3.14", "1.05", "1.10", "0.01", "0.001", "0.0001", "0.00001", "2.50", "99.99",
            "100.001", "3.14159", "3.141592653589793", "3.14159265358979323846", "123456.789", "1.239999999",
            "0.1", "0.2", "0.3", "7.0", "12.0", "1000000.5", "4503599627370495.5", "2.675", "10.25", "0.999"]
decimals += ["%d.%0*d" % (rng.randrange(10**rng.randint(1, 6)), k, rng.randrange(10**k)) for k in (1, 2, 3, 4) for _ in range(15)]
currency_amounts = ["0", "1", "2", "5", "10", "100", "1000", "1.5", "1.50", "1.01", "0.99", "0.01", "1.005", "2.675",
                    "19.99", "20.00", "1000000", "1234.56", "0.5", ".5", "5.", "3.333", "99.995"]

out = {
    "cardinal": [[n if abs(n) < 2**53 else str(n), num2words(n)] for n in cardinals + negatives],
    "ordinal": [[n if n < 2**53 else str(n), num2words(n, ordinal=True)] for n in ordinals],
    "decimal": [[s, num2words(float(s))] for s in decimals],
    "currency": [[s, c, num2words(float(s), to="currency", currency=c)] for s in currency_amounts for c in ("USD", "GBP", "EUR")],
}
with open("num2words-fixtures.json", "w", encoding="utf-8") as f:
    f.write("{\n" + ",\n".join('"%s": [\n' % k + ",\n".join(json.dumps(x, ensure_ascii=False) for x in v) + "\n]"
                             for k, v in out.items()) + "\n}\n")

# ---- reference cleaner (from the spec) ----
word = r"[^\W]"  # Python's Unicode \w
comma_number = re.compile(r"\b\d{1,3}(,\d{3})*(\.\d+)?\b")
currencies = [("GBP", re.compile(r"((£[0-9\.\,]*[0-9]+)|([0-9\.\,]*[0-9]+£))")),
              ("USD", re.compile(r"((\$[0-9\.\,]*[0-9]+)|([0-9\.\,]*[0-9]+\$))")),
              ("EUR", re.compile(r"(([0-9\.\,]*[0-9]+€)|((€[0-9\.\,]*[0-9]+)))"))]
decimal_re = re.compile(r"([0-9]+[.,][0-9]+)")
ordinal_re = re.compile(r"([0-9]+)(st|nd|rd|th)")
number_re = re.compile(r"[0-9]+")
abbreviations = [(re.compile(r"\b%s\." % a, re.IGNORECASE), b) for a, b in [
    ("mrs", "misess"), ("mr", "mister"), ("dr", "doctor"), ("st", "saint"), ("co", "company"), ("jr", "junior"),
    ("maj", "major"), ("gen", "general"), ("drs", "doctors"), ("rev", "reverend"), ("lt", "lieutenant"),
    ("hon", "honorable"), ("sgt", "sergeant"), ("capt", "captain"), ("esq", "esquire"), ("ltd", "limited"),
    ("col", "colonel"), ("ft", "fort")]]
symbols = [("&", " and "), ("@", " at "), ("%", " percent "), ("#", " hash "), ("$", " dollar "), ("£", " pound "),
           ("°", " degree ")]

def currency(m, code):
    amount = float(re.sub(r"[^\d.]", "", m.group(0).replace(",", ".")))
    full = num2words(amount, to="currency", currency=code)
    if amount.is_integer():
        i = full.rfind(", ")
        if i != -1:
            full = full[:i]
    return full

def clean(text):
    text = text.replace('"', "").lower()
    text = comma_number.sub(lambda m: m.group(0).replace(",", ""), text)
    try:
        for code, rx in currencies:
            text = rx.sub(lambda m: currency(m, code), text)
    except Exception:
        pass
    text = decimal_re.sub(lambda m: num2words(float(m.group(1).replace(",", "."))), text)
    text = ordinal_re.sub(lambda m: num2words(int(m.group(1)), ordinal=True), text)
    text = number_re.sub(lambda m: num2words(int(m.group(0))), text)
    for rx, rep in abbreviations:
        text = rx.sub(rep, text)
    for sym, rep in symbols:
        text = re.sub(re.escape(sym), " %s " % rep, text, flags=re.IGNORECASE)
        text = text.replace("  ", " ")
    text = text.strip()
    return re.sub(r"\s+", " ", text)

lines = [
    "Hello World", '"Quoted" words', "I've got 99 problems", "The 1st, 2nd, 3rd and 4th time", "21st century, 22nd floor, 101st",
    "It costs $5", "It costs $5.50", "£3 and €20", "20€ or 15$", "$1,000,000 prize", "$1.2.3 broken", "Mr. Smith met Dr. Who",
    "MRS. robinson at St. James st. co.", "Rock & roll @ 100% #1", "It's 30° outside", "3.14 is pi, 2,5 is not", "1,234 people",
    "Pay $0.99 now", "We're 4ever young", "In 1984 and 2024", "  spaced   out\tline \n", "Capt. Jack Sparrow, Esq.",
    "5th avenue 5stars", "007 agent", "Ft. Worth Ltd. Col. Sgt. Hon. Rev. Lt. Gen. Maj. Jr. Drs.", "mr.x and ms. y",
    "Numbers 1,2,3 and 1, 2, 3", "Mr.St. and mr. st.", "Big 123,456,789.01 value", "Tiny 0.0001 thing", "ÉCOLE Straße İstanbul ΣΑΣ", "#hashtag $ £ °",
    "Love you 2 the moon & back", "100$ 50£ 20€", "€5.5 and £0.01", "1.5.6 version", "Ends with a dot.", "",
    "   ", "Call 555-1234", "Room 12B and 3rd-floor", "I need $ 5", "$5$", "She said “hi” and ‘bye’", "1st2nd",
    "rock'n'roll 'til dawn", "It's 5:30 pm", "Top 40 hits of the 90s", "2½ cups", "x² and ³", "١٢٣ arabic digits",
]
# Random lines from tricky pieces, glued with and without spaces.
pieces = ["love", "Baby", "oh", "I'm", "don't", "1", "2", "10", "21", "99", "100", "101", "1000", "1,000", "12,345",
          "1,234,567.89", "3.14", "0.5", "2,5", "1st", "2nd", "3rd", "4th", "11th", "22nd", "$", "$5", "$5.50", "$0.01",
          "£", "£3", "£1.005", "€", "€20", "20€", "15$", "1.2.3", "&", "@", "%", "#", "°", "Mr.", "MRS.", "dr.", "St.",
          "Co.", "Jr.", "ltd.", "Ft.", "\"", "“", "”", ".", ",", "!", "?", "-", "—", "…", "  ", "\t", "\n", "é", "Σ",
          "İ", "ß", "中文", "🎸", "x²", "½", "007", "2024", "1984", "9,99", "5:30", "24/7", "50%", "#1", "A&B"]
for _ in range(500):
    n = rng.randint(1, 10)
    lines.append("".join(rng.choice(pieces) + rng.choice([" ", " ", " ", "", "  "]) for _ in range(n)))
with open("cleaner-fixtures.json", "w", encoding="utf-8") as f:
    f.write("[\n" + ",\n".join(json.dumps([l, clean(l)], ensure_ascii=False) for l in lines) + "\n]\n")
print(sum(len(v) for v in out.values()), "number fixtures,", len(lines), "cleaner fixtures")
