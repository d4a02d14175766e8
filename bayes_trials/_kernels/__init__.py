"""Plain NumPy/SciPy array kernels, used everywhere exact answers are needed fast."""
