"""The front doors to the fake's one `api` app: in-process interception (`inprocess`), server mode's
HTTP server (`server`), and the guard that blocks every other way to IBM (`guard`).

Nothing below this package knows which door a request came through.
"""
