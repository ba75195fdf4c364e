#!/usr/bin/python3
"""Builds the small T5-style SentencePiece model and the expected ids used by T5TokenizerTests.

Needs Debian's `sentencepiece` (spm_train, spm_encode). Run from this folder: /usr/bin/python3 make_t5_fixtures.py
Outputs: t5-small-test.model (unigram, bos_id=-1 eos_id=1 unk_id=2 pad_id=0) and t5-fixtures.json
([{"text": line, "ids": spm_encode ids without </s>}]).
"""
import json, random, subprocess, tempfile, os

rng = random.Random(20261126)
moods = ["upbeat", "melancholic", "dreamy", "energetic", "calm", "dark", "joyful", "nostalgic", "aggressive", "romantic"]
genres = ["pop", "rock", "jazz", "folk", "hip hop", "electronic", "ballad", "country", "r&b", "classical", "metal", "soul"]
instr = ["piano", "acoustic guitar", "electric guitar", "drums", "bass", "strings", "synthesizer", "violin", "saxophone", "organ"]
voices = ["a female vocalist", "a male singer", "a choir", "a young woman", "an old man", "a soft voice", "a raspy voice"]
tempos = ["slow", "fast", "mid-tempo", "moderate", "driving"]
extras = ["The recording is clean.", "It sounds like a live performance.", "Perfect for a road trip!",
          "Recorded in 2019, at 120 bpm.", "Contact: band@example.com", "Rated 4.5/5 by 1,024 listeners.",
          "“Quoted” and ‘single’ quotes — dashes…", "Key: C# minor; time: 3/4.", "(Remastered) [Live] {Demo}"]

def sentence():
    s = f"A {rng.choice(moods)} {rng.choice(genres)} song with {rng.choice(instr)} and {rng.choice(instr)}, sung by {rng.choice(voices)}."
    if rng.random() < 0.5:
        s += f" The tempo is {rng.choice(tempos)}"
        s += f" at {rng.randint(60, 180)} BPM." if rng.random() < 0.5 else "."
    if rng.random() < 0.3:
        s += " " + rng.choice(extras)
    return s

lexicon = """love heart night light dream fire rain river road home sky star moon sun summer winter morning evening
dance sing shout whisper run fall rise shine burn break hold carry follow remember forget believe wonder wander
city country ocean mountain valley window door street train station bridge garden forest desert island harbor
yesterday tomorrow forever never always sometimes slowly quickly gently softly loudly brightly darkly
golden silver broken empty hollow heavy lonely restless endless wild quiet gentle distant strange familiar
guitar melody harmony rhythm chorus verse bridge refrain lyric anthem lullaby serenade symphony overture
producer engineer studio microphone reverb distortion compression vinyl cassette radio concert festival
beautiful wonderful terrible incredible impossible unforgettable unbelievable extraordinary ordinary
whistling humming clapping stomping swaying drifting floating sinking flying crying laughing smiling""".split()

def filler():
    return " ".join(rng.choice(lexicon) for _ in range(rng.randint(4, 12))).capitalize() + rng.choice([".", "!", "?", ",", ";"])

train = [sentence() if i % 2 else filler() for i in range(6000)]

# Test lines: training-like text plus edge cases (Unicode quotes, repeated spaces, tabs, digits, e-mail, CJK, emoji,
# full-width forms that NFKC folds, leading/trailing whitespace).
tests = [sentence() for _ in range(150)] + [
    "“Smart quotes” and ‘apostrophes’ don’t break it.",
    "Multiple   spaces    between     words",
    "Tabs\tbetween\twords\tand  \t mixed",
    "   leading and trailing spaces   ",
    "Digits 0123456789 and 3.14159 and 1,000,000 and -42",
    "Write to someone.name+tag@example.co.uk or band@example.com",
    "Chinese 中文歌曲 and Japanese 日本の歌 mixed with Korean 한국 노래",
    "Emoji 🎸🎹🥁 party 🎉 time 😀",
    "Full-width ＡＢＣ １２３ and ligature ﬁne and ① circled",
    "Accents: café, naïve, Zoë, façade, jalapeño",
    "Symbols: @#$%^&*()_+={}[]|\\:;'<>,.?/~`",
    "Unknown run: ΩΩΩ ∑∑ ☃☃☃ end",
    "",
    " ",
    "a",
    "UPPERCASE DESCRIPTION OF A ROCK SONG",
    "Ellipsis… em—dash – en-dash « guillemets »",
    "Zero\u200bwidth space and non\u00a0breaking space",
    "Mixed: 中a文b🎵c",
    "Control pieces as text: </s> <pad> <unk> <s> [SPACE]",
]

with tempfile.TemporaryDirectory() as tmp:
    train_path = os.path.join(tmp, "train.txt")
    with open(train_path, "w", encoding="utf-8") as f:
        f.write("\n".join(train) + "\n")
    subprocess.run(["spm_train", f"--input={train_path}", "--model_prefix=t5-small-test", "--model_type=unigram",
                    "--vocab_size=800", "--hard_vocab_limit=false", "--bos_id=-1", "--eos_id=1", "--unk_id=2", "--pad_id=0",
                    "--character_coverage=0.9995", "--normalization_rule_name=nmt_nfkc", "--minloglevel=2"],
                   check=True)
    os.remove("t5-small-test.vocab")
    test_path = os.path.join(tmp, "test.txt")
    with open(test_path, "w", encoding="utf-8") as f:
        f.write("\n".join(tests) + "\n")
    out = subprocess.run(["spm_encode", "--model=t5-small-test.model", "--output_format=id", f"--input={test_path}"],
                         check=True, capture_output=True, text=True).stdout.split("\n")

fixtures = [{"text": t, "ids": [int(x) for x in out[i].split()]} for i, t in enumerate(tests)]
with open("t5-fixtures.json", "w", encoding="utf-8") as f:
    f.write("[\n" + ",\n".join(json.dumps(x, ensure_ascii=False) for x in fixtures) + "\n]\n")
print(len(fixtures), "lines")
