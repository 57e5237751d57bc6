# static a.py
