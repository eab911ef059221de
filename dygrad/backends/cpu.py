"""torch.backends.cpu: dygrad's kernels are NumPy's, compiled for whatever the machine has."""


def get_cpu_capability():
    return "DEFAULT"
