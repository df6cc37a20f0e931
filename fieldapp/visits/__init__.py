"""A visit's life, from the knock to every tally above the door.

- `rules`: what may be recorded (VisitInput and its business rules) and the refusals.
- `clock`: the phone's time, its measured offset, the working day a visit counts for.
- `gps`: the evidence of where the phone was, measured against the household.
- `counting`: moving the rollups with each visit, and the row lock that keeps coverage exact.
- `services`: the intents: record, undo, correct. Every entry point (door page, API, outbox
  import, demo) calls these; none of them commits.
- `queries`: reads several pages share, e.g. each door's latest visit.
"""
