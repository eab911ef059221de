"""A first run: fit a two-layer network to synthetic data with dygrad's autograd and watch the
loss fall. `python -m dygrad.demo`"""
import dygrad as torch


def main(steps=200, seed=0):
    torch.manual_seed(seed)
    x = torch.randn(256, 8)
    true_w = torch.randn(8, 1)
    y = (x @ true_w).tanh() + 0.05 * torch.randn(256, 1)
    w1 = (torch.randn(8, 32) * 0.3).requires_grad_()
    b1 = torch.zeros(32, requires_grad=True)
    w2 = (torch.randn(32, 1) * 0.3).requires_grad_()
    lr = 0.1
    losses = []
    for step in range(steps + 1):
        pred = (x @ w1 + b1).relu() @ w2
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in (w1, b1, w2):
                p -= lr * p.grad
                p.grad = None
        losses.append(loss.item())
        if step % 40 == 0:
            print(f"step {step:4d}  loss {loss.item():.5f}")
    print(f"loss fell from {losses[0]:.4f} to {losses[-1]:.4f}")
    return losses


if __name__ == "__main__":
    main()
