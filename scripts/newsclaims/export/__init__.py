"""Training exports of annotation sets (CoNLL BIO, spaCy DocBin, brat standoff), each with a loss report.

Importing this package loads no target library: spaCy is imported by the spaCy writer only.
"""
