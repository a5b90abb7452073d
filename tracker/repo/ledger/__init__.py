"""The team ledger: incidents, causes, actions and their histories shared through the runbooks repository.

Every change becomes an immutable operation (``format``), stamped with a hybrid logical clock
(``hlc``) and stored as one file under ``ops/`` in a linear chain of commits on ``refs/tracker/ledger``
(files are only ever added, so two histories merge as a union of paths). The local database is a view
of the operations: ``derive`` and ``taxonomy`` compute each entity's state from its operations (pure,
order-independent), ``materialize`` writes it into the tables the services read, ``capture`` turns the
services' own writes into new operations, ``apply`` brings in operations from the ledger, ``sync``
shares them through git (``tracker.repo.gitsync``), numbering new entities on the way.
"""
