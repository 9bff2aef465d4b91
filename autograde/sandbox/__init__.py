"""The untrusted side: everything that runs beside student code.

The fork server, the runner, its limits and its watch live here. Nothing in this package imports
from the trusted side (``autograde.grading``, ``batch``, ``formats``, ``commands``): a test keeps it so.
"""
