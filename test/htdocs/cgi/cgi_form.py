import hashlib
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import cgi

form = cgi.FieldStorage()
print("Content-Type: text/plain")
print()
for key in sorted(form.keys()):
    item = form[key]
    if isinstance(item, list):
        print("%s=%s" % (key, ",".join(i.value for i in item)))
    elif item.filename:
        data = item.file.read()
        print("%s: file %s %d %s" % (key, item.filename, len(data),
                                    hashlib.sha1(data).hexdigest()))
    else:
        print("%s=%s" % (key, item.value))
