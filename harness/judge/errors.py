"""The one error a judge raises (kept import-free so scorers can name it without the HTTP client)."""


class JudgeError(RuntimeError):
    """The judge could not give a usable verdict (unreachable, timed out, or unparseable replies
    after every retry). The message says which, so the record can say why the item is unscored."""
