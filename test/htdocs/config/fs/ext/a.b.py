# static a.b.py
