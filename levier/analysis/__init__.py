"""Pure computations on DataFrames: positions, peers, trajectories, quality, lever effect, evaluation."""
