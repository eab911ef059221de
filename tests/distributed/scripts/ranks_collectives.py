"""Every collective on 2+ ranks, checked against NumPy on data every rank can recompute."""
import sys

import numpy as np

import dygrad
import dygrad.distributed as dist
from _checks import Checks, expect, raises, same

R = dist.ReduceOp
DTYPES = {"float32": np.float32, "float64": np.float64, "float16": np.float16,
          "int64": np.int64, "int32": np.int32, "uint8": np.uint8, "bool": np.bool_}
FLOAT_OPS = [R.SUM, R.AVG, R.PRODUCT, R.MIN, R.MAX]
INT_OPS = [R.SUM, R.PRODUCT, R.MIN, R.MAX, R.BAND, R.BOR, R.BXOR]
BOOL_OPS = [R.SUM, R.PRODUCT, R.MIN, R.MAX, R.BAND, R.BOR, R.BXOR]


def data(rank, shape, dtype, salt=0):
    n = int(np.prod(shape, dtype=np.int64))
    i = np.arange(n) + salt
    if dtype == np.bool_:
        return ((i + rank) % 3 == 0).reshape(shape)
    return (i % 5 + 2 * rank + 1).reshape(shape).astype(dtype)


def expected(op, arrays, dtype):
    s = np.stack(arrays)
    if dtype == np.bool_:
        f = {R.SUM: np.any, R.MAX: np.any, R.BOR: np.any, R.PRODUCT: np.all, R.MIN: np.all,
             R.BAND: np.all}.get(op)
        return f(s, axis=0) if f else np.logical_xor.reduce(s, axis=0)
    wide = s.astype(np.float64) if s.dtype.kind == "f" else s
    out = {R.SUM: lambda: wide.sum(0), R.AVG: lambda: wide.sum(0) / len(arrays),
           R.PRODUCT: lambda: wide.prod(0), R.MIN: lambda: wide.min(0),
           R.MAX: lambda: wide.max(0), R.BAND: lambda: np.bitwise_and.reduce(s, 0),
           R.BOR: lambda: np.bitwise_or.reduce(s, 0),
           R.BXOR: lambda: np.bitwise_xor.reduce(s, 0)}[op]()
    return np.asarray(out).astype(dtype)


def main(out_dir):
    dist.init_process_group(backend="mpi")
    r, w = dist.get_rank(), dist.get_world_size()
    others = range(w)
    check = Checks(out_dir, r)

    with check("queries"):
        expect(dist.is_initialized() and dist.is_available() and dist.is_mpi_available())
        expect(dist.get_backend() == "mpi" and w >= 2)
        expect(dist.group.WORLD is dist.GroupMember.WORLD is not None)
        expect(dist.get_process_group_ranks(dist.group.WORLD) == list(range(w)))
        expect(dist.get_rank(dist.group.WORLD) == r)
        raises(lambda: dist.init_process_group(), ValueError, "twice")

    for name, dt in DTYPES.items():
        ops = FLOAT_OPS if np.dtype(dt).kind == "f" else BOOL_OPS if dt == np.bool_ else INT_OPS
        with check(f"all_reduce_{name}"):
            for op in ops:
                for shape in [(3, 4), (), (0,)]:
                    t = dygrad.from_numpy(data(r, shape, dt))
                    dist.all_reduce(t, op=op)
                    same(t, expected(op, [data(k, shape, dt) for k in others], dt))

    with check("all_reduce_async_work"):
        t = dygrad.from_numpy(data(r, (5,), np.float32))
        v = t._version
        work = dist.all_reduce(t, op=dist.ReduceOp.SUM, async_op=True)
        expect(isinstance(work, dist.Work))
        expect(work.wait() is True and work.is_completed() and work.is_success())
        expect(work.result()[0] is t and t._version > v)
        same(t, expected(R.SUM, [data(k, (5,), np.float32) for k in others], np.float32))
        works = [dist.all_reduce(x, op=R.MAX, async_op=True)
                 for x in [dygrad.from_numpy(data(r, (4,), np.int64, s)) for s in range(3)]]
        while not all(wk.is_completed() for wk in works):
            pass
        for s, wk in enumerate(works):
            same(wk.result()[0], expected(R.MAX, [data(k, (4,), np.int64, s) for k in others],
                                          np.int64))

    with check("all_reduce_noncontiguous"):
        base = dygrad.from_numpy(data(r, (4, 6), np.float64))
        view = base.t()[1::2]  # a strided view: the result must land in base too
        dist.all_reduce(view, op=R.SUM)
        want = np.stack([data(k, (4, 6), np.float64) for k in others]).sum(0).T[1::2]
        same(view, want)
        same(base.numpy().T[1::2], want)
        same(base.numpy().T[0::2], data(r, (4, 6), np.float64).T[0::2])

    with check("all_reduce_requires_grad_leaf"):
        p = dygrad.ones(3, requires_grad=True)
        dist.all_reduce(p)
        same(p.detach().numpy(), np.full(3, float(w), np.float32))

    with check("all_reduce_errors"):
        for bad, exc, msg in [
                (lambda: dist.all_reduce(dygrad.ones(2, dtype=dygrad.int64), op=R.AVG),
                 RuntimeError, "AVG"),
                (lambda: dist.all_reduce(dygrad.ones(2), op=R.BAND), RuntimeError, "BAND"),
                (lambda: dist.all_reduce([1.0, 2.0]), TypeError, "Tensor"),
                (lambda: dist.all_reduce(dygrad.ones(2), op="sum"), TypeError, "ReduceOp")]:
            raises(bad, exc, msg)

    with check("broadcast"):
        for src in range(w):
            for name, dt in DTYPES.items():
                t = dygrad.from_numpy(data(r, (2, 3), dt))
                dist.broadcast(t, src=src)
                same(t, data(src, (2, 3), dt))
            base = dygrad.zeros(3, 4, dtype=dygrad.float64)
            if r == src:
                base = dygrad.from_numpy(data(r, (3, 4), np.float64))
            view = base.t()
            work = dist.broadcast(view, src=src, async_op=True)
            work.wait()
            same(view, data(src, (3, 4), np.float64).T)
            t = dygrad.from_numpy(data(r, (3,), np.int32))
            dist.broadcast(t, group_src=src)
            same(t, data(src, (3,), np.int32))

    with check("reduce"):
        for dst in range(w):
            for op, dt in [(R.SUM, np.float32), (R.MAX, np.int64), (R.AVG, np.float64),
                           (R.BOR, np.bool_), (R.PRODUCT, np.float16)]:
                t = dygrad.from_numpy(data(r, (2, 2), dt))
                dist.reduce(t, dst=dst, op=op)
                if r == dst:
                    same(t, expected(op, [data(k, (2, 2), dt) for k in others], dt))
                else:
                    same(t, data(r, (2, 2), dt))

    with check("all_gather"):
        for name, dt in DTYPES.items():
            outs = [dygrad.from_numpy(np.zeros((2, 3), dt)) for _ in others]
            dist.all_gather(outs, dygrad.from_numpy(data(r, (2, 3), dt)))
            for k in others:
                same(outs[k], data(k, (2, 3), dt))
        outs = [dygrad.zeros(4) for _ in others]
        dist.all_gather(outs, dygrad.from_numpy(data(r, (4,), np.float32)), async_op=True).wait()
        for k in others:
            same(outs[k], data(k, (4,), np.float32))
        raises(lambda: dist.all_gather([dygrad.zeros(4)] * (w + 1), dygrad.zeros(4)),
               RuntimeError, "one tensor per rank")
        ints = [dygrad.zeros(4, dtype=dygrad.int64) for _ in others]
        raises(lambda: dist.all_gather(ints, dygrad.zeros(4)), ValueError, "different dtypes")

    with check("all_gather_into_tensor"):
        x = dygrad.from_numpy(data(r, (2, 3), np.float32))
        cat = dygrad.zeros(2 * w, 3)
        dist.all_gather_into_tensor(cat, x)
        same(cat, np.concatenate([data(k, (2, 3), np.float32) for k in others]))
        stack = dygrad.zeros(w, 2, 3)
        dist.all_gather_into_tensor(stack, x, async_op=True).wait()
        same(stack, np.stack([data(k, (2, 3), np.float32) for k in others]))
        raises(lambda: dist.all_gather_into_tensor(dygrad.zeros(2 * w + 1, 3), x), ValueError,
               "group size")

    with check("reduce_scatter"):
        for op, dt in [(R.SUM, np.float32), (R.MAX, np.int32), (R.AVG, np.float64)]:
            out = dygrad.from_numpy(np.zeros((2, 2), dt))
            ins = [dygrad.from_numpy(data(r, (2, 2), dt, salt=10 * j)) for j in others]
            dist.reduce_scatter(out, ins, op=op)
            same(out, expected(op, [data(k, (2, 2), dt, salt=10 * r) for k in others], dt))

    with check("reduce_scatter_tensor"):
        x = data(r, (2 * w, 3), np.float32)
        out = dygrad.zeros(2, 3)
        dist.reduce_scatter_tensor(out, dygrad.from_numpy(x), op=R.SUM, async_op=True).wait()
        full = np.stack([data(k, (2 * w, 3), np.float32) for k in others]).sum(0)
        same(out, full[2 * r:2 * r + 2])
        out = dygrad.zeros(3)
        dist.reduce_scatter_tensor(out, dygrad.from_numpy(data(r, (w, 3), np.float32)), op=R.MIN)
        same(out, np.stack([data(k, (w, 3), np.float32) for k in others]).min(0)[r])

    with check("gather"):
        dst = w - 1
        x = dygrad.from_numpy(data(r, (3,), np.int64))
        lst = [dygrad.zeros(3, dtype=dygrad.int64) for _ in others] if r == dst else None
        dist.gather(x, lst, dst=dst)
        if r == dst:
            for k in others:
                same(lst[k], data(k, (3,), np.int64))
        misplaced = [dygrad.zeros(3, dtype=dygrad.int64) for _ in others] if r != dst else None
        raises(lambda: dist.gather(x, misplaced, dst=dst), ValueError, "gather_list")

    with check("scatter"):
        src = 0
        out = dygrad.zeros(2, 2)
        lst = [dygrad.from_numpy(data(k, (2, 2), np.float32, salt=3)) for k in others] \
            if r == src else None
        dist.scatter(out, lst, src=src)
        same(out, data(r, (2, 2), np.float32, salt=3))
        out = dygrad.zeros(2, 2)
        dist.scatter(out, lst, src=src, async_op=True).wait()
        same(out, data(r, (2, 2), np.float32, salt=3))

    with check("all_to_all_single"):
        x = dygrad.from_numpy((np.arange(2 * w * 3).reshape(2 * w, 3) + 100 * r).astype(np.float32))
        out = dygrad.zeros(2 * w, 3)
        dist.all_to_all_single(out, x)
        want = np.concatenate([(np.arange(2 * w * 3).reshape(2 * w, 3) + 100 * k)[2 * r:2 * r + 2]
                               for k in others]).astype(np.float32)
        same(out, want)
        # uneven: rank k sends k+j+1 rows to rank j
        rows = [[k + j + 1 for j in others] for k in others]
        x = dygrad.from_numpy(np.full((sum(rows[r]), 2), r, np.int64))
        out = dygrad.zeros(sum(rows[k][r] for k in others), 2, dtype=dygrad.int64)
        dist.all_to_all_single(out, x, output_split_sizes=[rows[k][r] for k in others],
                               input_split_sizes=rows[r])
        same(out, np.concatenate([np.full((rows[k][r], 2), k, np.int64) for k in others]))

    with check("all_to_all"):
        ins = [dygrad.full((j + 1,), float(10 * r + j)) for j in others]
        outs = [dygrad.zeros(r + 1) for _ in others]
        dist.all_to_all(outs, ins)
        for k in others:
            same(outs[k], np.full(r + 1, 10.0 * k + r, np.float32))

    with check("send_recv"):
        if r == 0:
            dist.send(dygrad.from_numpy(data(0, (3, 2), np.float32)), dst=1)
            dist.send(dygrad.tensor([1.5, 2.5], dtype=dygrad.float16), dst=1, tag=7)
        elif r == 1:
            t = dygrad.zeros(2, 3).t()
            expect(dist.recv(t, src=0) == 0)
            same(t, data(0, (3, 2), np.float32))
            h = dygrad.zeros(2, dtype=dygrad.float16)
            expect(dist.recv(h, tag=7) == 0)  # any source
            same(h, np.array([1.5, 2.5], np.float16))
        raises(lambda: dist.send(dygrad.zeros(1), dst=r), ValueError, "should not be the same")

    with check("isend_irecv"):
        if r == 0:
            a, b = dygrad.arange(4.0), dygrad.arange(3, dtype=dygrad.int64)
            works = [dist.isend(a, dst=1, tag=1), dist.isend(b, dst=1, tag=2)]
            for wk in works:
                wk.wait()
        elif r == 1:
            a, b = dygrad.zeros(4), dygrad.zeros(3, dtype=dygrad.int64)
            wb = dist.irecv(b, src=0, tag=2)  # posted in the other order: tags match them
            wa = dist.irecv(a, tag=1)
            wa.wait()
            wb.wait()
            expect(wa.source_rank() == 0)
            same(a, np.arange(4.0, dtype=np.float32))
            same(b, np.arange(3, dtype=np.int64))

    with check("work_wait_timeout"):
        if r == 0:
            t = dygrad.zeros(2)
            work = dist.irecv(t, src=1, tag=99)
            raises(lambda: work.wait(timeout=0.05), RuntimeError, "did not finish")
            expect(not work.is_completed())
        dist.barrier()  # rank 1 sends only after rank 0 timed out
        if r == 1:
            dist.send(dygrad.full((2,), 5.0), dst=0, tag=99)
        elif r == 0:
            expect(work.wait(timeout=60))
            same(t, np.full(2, 5.0, np.float32))

    with check("batch_isend_irecv"):
        right, left = (r + 1) % w, (r - 1) % w
        send_t = dygrad.full((3,), float(r))
        recv_t = dygrad.zeros(3)
        ops = [dist.P2POp(dist.isend, send_t, right), dist.P2POp(dist.irecv, recv_t, left)]
        for wk in dist.batch_isend_irecv(ops):
            wk.wait()
        same(recv_t, np.full(3, float(left), np.float32))

    with check("barrier"):
        dist.barrier()
        expect(dist.barrier(async_op=True).wait())
        dist.monitored_barrier()

    with check("object_collectives"):
        objs = [None] * w
        dist.all_gather_object(objs, {"rank": r, "name": f"r{r}"})
        expect(objs == [{"rank": k, "name": f"r{k}"} for k in others])
        lst = [f"from{r}", r] if r == 1 else [None, None]
        dist.broadcast_object_list(lst, src=1)
        expect(lst == ["from1", 1])
        got = [None] * w if r == 0 else None
        dist.gather_object((r, "x"), got, dst=0)
        if r == 0:
            expect(got == [(k, "x") for k in others])
        out = [None]
        dist.scatter_object_list(out, [f"item{k}" for k in others] if r == 0 else None, src=0)
        expect(out == [f"item{r}"])

    with check("new_group"):
        solo = dist.new_group([w - 1])
        t = dygrad.ones(2)
        res = dist.all_reduce(t, group=solo)
        if r == w - 1:
            expect(dist.get_world_size(solo) == 1 and dist.get_rank(solo) == 0)
            expect(dist.get_process_group_ranks(solo) == [w - 1])
        else:
            expect(solo == dist.GroupMember.NON_GROUP_MEMBER and res is None)
            expect(dist.get_rank(solo) == -1 and dist.get_world_size(solo) == -1)
        same(t, np.ones(2, np.float32))
        rev = dist.new_group(list(reversed(range(w))), sort_ranks=False)
        expect(dist.get_rank(rev) == w - 1 - r)
        expect(dist.get_global_rank(rev, 0) == w - 1 and dist.get_group_rank(rev, 0) == w - 1)
        t = dygrad.from_numpy(data(r, (3,), np.float32))
        dist.broadcast(t, src=0, group=rev)  # src is a global rank
        same(t, data(0, (3,), np.float32))
        t = dygrad.from_numpy(data(r, (3,), np.float32))
        dist.broadcast(t, group=rev, group_src=0)  # group rank 0 is global rank w-1
        same(t, data(w - 1, (3,), np.float32))
        dist.destroy_process_group(rev)

    with check("destroy_and_reinit"):
        dist.destroy_process_group()
        expect(not dist.is_initialized() and dist.group.WORLD is None)
        raises(lambda: dist.get_rank(), ValueError, "has not been initialized")
        dist.init_process_group()
        t = dygrad.ones(1)
        dist.all_reduce(t)
        same(t, np.array([float(w)], np.float32))

    check.save()


if __name__ == "__main__":
    main(sys.argv[1])
