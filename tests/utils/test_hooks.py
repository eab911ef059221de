"""dygrad.utils.hooks.RemovableHandle: the one handle type every hook registration returns, with
torch.utils.hooks.RemovableHandle's behaviour (checked against its definition; no torch needed)."""
import gc
import pickle
from collections import OrderedDict

import dygrad
import dygrad.nn as nn
from dygrad.utils.hooks import RemovableHandle


def test_ids_are_unique_and_remove_takes_the_hook_and_its_extra_entries():
    hooks, flags, more = OrderedDict(), OrderedDict(), OrderedDict()
    a = RemovableHandle(hooks, extra_dict=[flags, more])
    b = RemovableHandle(hooks, extra_dict=flags)
    assert b.id == a.id + 1
    hooks[a.id], flags[a.id], more[a.id] = "fa", True, True
    hooks[b.id], flags[b.id] = "fb", True
    a.remove()
    assert dict(hooks) == {b.id: "fb"} and dict(flags) == {b.id: True} and not more
    a.remove()  # a second remove is a no-op
    with b:
        pass
    assert not hooks and not flags


def test_handle_holds_its_dicts_weakly():
    hooks = OrderedDict()
    h = RemovableHandle(hooks)
    del hooks
    gc.collect()
    assert h.hooks_dict_ref() is None
    h.remove()  # nothing left to remove from: no error


def test_pickle_keeps_id_and_dicts_and_moves_the_id_counter_past_it():
    hooks, extra = OrderedDict(), OrderedDict()
    h = RemovableHandle(hooks, extra_dict=extra)
    hooks[h.id] = extra[h.id] = 1
    holder = {"h": h, "hooks": hooks, "extra": extra}
    back = pickle.loads(pickle.dumps(holder))
    assert back["h"].id == h.id
    back["h"].remove()
    assert not back["hooks"] and not back["extra"]
    assert RemovableHandle(OrderedDict()).id > h.id


def test_tensor_node_and_module_hooks_return_the_same_handle_type():
    x = dygrad.ones(2, requires_grad=True)
    y = x * 2
    m = nn.Linear(2, 2)
    handles = [x.register_hook(lambda g: g), y.register_hook(lambda g: g),
               y.grad_fn.register_hook(lambda gi, go: None),
               y.grad_fn.register_prehook(lambda go: None),
               x.register_post_accumulate_grad_hook(lambda t: None),
               m.register_forward_hook(lambda *a: None),
               m.register_full_backward_hook(lambda *a: None),
               m.register_state_dict_pre_hook(lambda *a: None),
               nn.modules.module.register_module_forward_hook(lambda *a: None)]
    assert all(type(h) is RemovableHandle or isinstance(h, RemovableHandle) for h in handles)
    for h in handles:
        h.remove()


def test_removing_a_tensor_hook_in_a_with_block():
    x = dygrad.ones(2, requires_grad=True)
    with x.register_hook(lambda g: g * 3):
        (x * 1).sum().backward()
    (x * 1).sum().backward()
    assert x.grad.tolist() == [4.0, 4.0]


def test_the_same_function_registered_twice_is_removed_once_per_handle():
    x = dygrad.ones(2, requires_grad=True)
    calls = []

    def hook(g):
        calls.append(1)

    y = x * 2
    h1, h2 = y.register_hook(hook), y.register_hook(hook)
    h1.remove()
    y.sum().backward()
    assert len(calls) == 1
    h2.remove()
