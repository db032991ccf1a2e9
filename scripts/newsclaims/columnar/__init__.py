"""The columnar paths: annotation sets as Arrow columns, checked and written without one Python
object per region. The invariants every module here keeps are stated in ``README.md`` beside
this file.

Importing this package imports nothing else: each module is imported where it is used, so that
commands that do not convert never load pyarrow.
"""
