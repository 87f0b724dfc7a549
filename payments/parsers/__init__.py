"""Pure bank-statement parsers: CFONB 120, CAMT.053, OFX and CSV → `BankStatement`.

Every parser takes the file's bytes and returns `ParseResult[BankStatement]`
(one statement per account and period found); `detect.parse_file` picks the
parser from the content. Errors follow `core.problems`.
"""
