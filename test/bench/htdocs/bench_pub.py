"""The seeds' publisher case: a published function answering Hello!"""


def hello(req):
    req.content_type = "text/plain"
    return "Hello!"
