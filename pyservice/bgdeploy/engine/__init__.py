"""Operations: a persisted record, an ordered list of steps (processes.py), and a runner thread that
executes the steps from the stored cursor (runner.py). Each step observes Cloud Controller before it
acts, so running a step twice (retry, crash) does nothing twice."""
