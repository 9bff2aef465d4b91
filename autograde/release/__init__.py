"""Writing the students' release of the course: the exercises and their checks without the
answer key (``build``), the suites rewritten to answer from a recording (``graders``)."""
