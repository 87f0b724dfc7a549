"""The bottom layer: rules every app shares, written once, with no Django and no app import.

- `core.money`: money precision and rounding, the French amount parser and formatter;
- `core.periods`: months (first day, adding months, "AAAA-MM" parsing);
- `core.statuses`: the status vocabulary (claims, insurers' return lines, rejections);
- `core.text` / `core.errors`: the pure text readers and the error model of import parsers.
"""
