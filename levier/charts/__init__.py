"""Pure figure builders (DataFrames in, plotly figures out): indicator charts, lever charts, maps."""
