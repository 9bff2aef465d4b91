"""Your solutions: one module per exercise of Session 2 (RNNs, LSTMs, embeddings, language models).

Fill in every function that raises NotImplementedError, keeping its name and signature.
A module may reuse another exercise with `from exercises.<name> import <function>`; while
grading, that import gives the instructors' reference, so one unfinished exercise never costs
you marks on another.
"""
