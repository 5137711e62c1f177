#!/usr/bin/env python3
"""Writes a small, clearly separable raw-mail corpus for the spam-classify
tests: DIR/train/{ham,spam}/NNN.eml, DIR/test/{ham,spam}/NNN.eml and
DIR/test.mbox (the test messages as one mbox). Deterministic (seeded).
Usage: ux_make_mail.py DIR [N_PER_CLASS]"""
import os
import random
import sys

HAM = ("meeting project schedule report lunch team agenda review notes budget "
       "minutes quarterly draft slides colleague thanks regards tomorrow office "
       "calendar deadline proposal feedback kernel patch build release").split()
SPAM = ("free money winner click prize offer cheap viagra pills casino bonus "
        "unsubscribe guaranteed credit loan urgent limited deal discount "
        "million lottery claim act now cash investment").split()


def message(rng, label, k):
    words = HAM if label == "ham" else SPAM
    sender = "alice@example.org" if label == "ham" else "promo%d@deals.example.biz" % k
    subject = " ".join(rng.choice(words) for _ in range(4))
    body = "\n".join(" ".join(rng.choice(words) for _ in range(12)) for _ in range(6))
    if label == "spam":
        body += "\nhttp://deals.example.biz/offer?id=%d\n" % k
    return ("From: %s\nTo: bob@example.org\nSubject: %s\nMessage-ID: <%s%d@example>\n"
            "Date: Thu, 22 Aug 2002 13:17:22 +0000\n\n%s\n" % (sender, subject, label, k, body))


def main():
    top = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    rng = random.Random(7)
    mbox = []
    for part, count in (("train", n), ("test", 5)):
        for label in ("ham", "spam"):
            d = os.path.join(top, part, label)
            os.makedirs(d, exist_ok=True)
            for k in range(count):
                text = message(rng, label, k)
                with open(os.path.join(d, "%03d.eml" % k), "w") as f:
                    f.write(text)
                if part == "test":
                    mbox.append("From %s Thu Aug 22 13:17:22 2002\n%s\n" % (
                        "alice@example.org" if label == "ham" else "promo@deals.example.biz", text))
    with open(os.path.join(top, "test.mbox"), "w") as f:
        f.write("".join(mbox))


if __name__ == "__main__":
    main()
