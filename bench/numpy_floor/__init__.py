"""Hand-written NumPy versions of the benchmark workloads: forward, manual backward, update.

They are the floor dygrad is measured against: the same arithmetic with no framework around
it. Each takes the same NumPy weights and inputs the framework versions get, keeps its own
copies, and offers loss_and_grads() (forward + backward) and step() (the timed unit).
"""
