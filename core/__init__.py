"""The bottom layer: rules every app shares, written once, with no Django and no app import.

- `core.money`: money precision and rounding, the French amount parser and formatter;
- `core.periods`: months (first day, adding months, "AAAA-MM" parsing);
- `core.statuses`: the status vocabulary (claims, insurers' return lines, rejections);
- `core.problems`: the error model of every import parser (`Problem`, `ImportFileError`);
- `core.text`: the CSV text rules (encoding, separator, headers, dates);
- `core.formats`: which kind of file an upload is, from its content;
- `core.xlsx`: the one Excel writer (streamed, constant memory) every export uses.
"""
