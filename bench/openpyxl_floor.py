"""The floor of openpyxl write-only on this machine: 100,000 rows x 16 plain values, no styles.

Run: .venv/bin/python bench/openpyxl_floor.py (OPENPYXL_LXML=False to compare without lxml).
"""
import datetime as dt
import time
from decimal import Decimal
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
rows = [(f"{100000000+i}", "DUPONT Jean", dt.date(2026,10,5), Decimal("32.50"), "CPAM", "AMO", "0450 072", "DROITS", "counter", "OP1", "to_handle", dt.date(2026,10,12), "", 3, Decimal("0.00"), "x") for i in range(100000)]
t=time.process_time()
wb = Workbook(write_only=True); ws = wb.create_sheet("r")
for r in rows: ws.append(r)
wb.save("/tmp/a.xlsx")
print("raw values", time.process_time()-t, "lxml" , __import__("openpyxl.xml", fromlist=["LXML"]).LXML)
t=time.process_time()
wb = Workbook(write_only=True); ws = wb.create_sheet("r")

for r in rows:
    cells=[]
    for v in r:
        c=WriteOnlyCell(ws, value=v); c.number_format="@"; cells.append(c)
    ws.append(cells)
wb.save("/tmp/b.xlsx")
print("cells with format", time.process_time()-t)
