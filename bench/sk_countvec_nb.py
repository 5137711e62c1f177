#!/usr/bin/python3
"""Re-creation of the Knitfab example's pipeline (its scripts are not
available): sklearn CountVectorizer + MultinomialNB fit on the CSV's text,
model pickled; validate loads the pickle and scores the validation CSV.

  sk_countvec_nb.py train DATASET_DIR MODEL.pkl
  sk_countvec_nb.py validate DATASET_DIR MODEL.pkl
Run with /usr/bin/python3 (Debian's python3-sklearn). Also the HashingVectorizer
+ SGDClassifier peer with --hashing.
"""
import csv, glob, os, pickle, sys

csv.field_size_limit(1 << 30)


def load(folder):
    texts, labels = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*.csv"))):
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            for row in csv.DictReader(f):
                texts.append(row["text"])
                labels.append(int(row["label_num"]))
    return texts, labels


def main():
    hashing = "--hashing" in sys.argv
    mode, folder, model = [a for a in sys.argv[1:] if a != "--hashing"]
    texts, labels = load(folder)
    if mode == "train":
        from sklearn.pipeline import make_pipeline
        if hashing:
            from sklearn.feature_extraction.text import HashingVectorizer
            from sklearn.linear_model import SGDClassifier
            pipe = make_pipeline(HashingVectorizer(n_features=1 << 20),
                                 SGDClassifier(loss="log_loss", random_state=0))
        else:
            from sklearn.feature_extraction.text import CountVectorizer
            from sklearn.naive_bayes import MultinomialNB
            pipe = make_pipeline(CountVectorizer(), MultinomialNB())
        pipe.fit(texts, labels)
        with open(model, "wb") as f:
            pickle.dump(pipe, f)
    else:
        with open(model, "rb") as f:
            pipe = pickle.load(f)
        pred = pipe.predict(texts)
        acc = sum(int(p == y) for p, y in zip(pred, labels)) / len(labels)
        print(f"accuracy {acc:.4f}", file=sys.stderr)


if __name__ == "__main__":
    main()
