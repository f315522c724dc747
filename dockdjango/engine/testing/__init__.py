"""Containers for test sessions: labelled with their session, waited for, always removed.

``containers`` runs one with ephemeral 127.0.0.1 ports, ``readiness`` waits for it (a log
line, a port, HTTP 200, health), ``sessions`` labels what a session started and removes
what dead sessions left. Modules here import the top of ``engine`` and ``errors``.
"""
