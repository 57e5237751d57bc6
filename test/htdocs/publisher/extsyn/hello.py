def index(req):
    return "extsyn hello ext=%s" % req.extension
