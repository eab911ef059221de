"""Module hooks: the global registries (register_module_*_hook) and the mixin holding Module's
hook registration and the hooked call path."""
import warnings
from collections import OrderedDict

from ...autograd.node import RemovableHandle
from ._hooks import BackwardHook

__all__ = ["register_module_forward_pre_hook", "register_module_forward_hook",
           "register_module_full_backward_pre_hook", "register_module_full_backward_hook"]

# global hooks (torch.nn.modules.module.register_module_*), run before each module's own
_global_forward_pre_hooks = OrderedDict()
_global_forward_hooks = OrderedDict()
_global_forward_hooks_always_called = OrderedDict()
_global_backward_pre_hooks = OrderedDict()
_global_backward_hooks = OrderedDict()
_global_any = [False]


def _refresh_global():
    _global_any[0] = bool(_global_forward_pre_hooks or _global_forward_hooks
                          or _global_backward_pre_hooks or _global_backward_hooks)


class _GlobalHandle(RemovableHandle):
    """A global hook's handle: removing it also refreshes the flag Module.__call__ checks."""

    def remove(self):
        super().remove()
        _refresh_global()


def _add(hooks, hook, prepend=False, extra_dict=None, handle_cls=RemovableHandle):
    """Stores hook in the ordered dict `hooks` under a new handle's id (first when prepend)."""
    h = handle_cls(hooks, extra_dict=extra_dict)
    hooks[h.id] = hook
    if prepend:
        hooks.move_to_end(h.id, last=False)
    return h


def _add_global(hooks, hook, extra_dict=None):
    h = _add(hooks, hook, extra_dict=extra_dict, handle_cls=_GlobalHandle)
    _refresh_global()
    return h


def register_module_forward_pre_hook(hook):
    return _add_global(_global_forward_pre_hooks, hook)


def register_module_forward_hook(hook, *, with_kwargs=False, always_call=False):
    if with_kwargs:
        raise NotImplementedError("global forward hooks with kwargs are not supported (nor in PyTorch)")
    h = _add_global(_global_forward_hooks, hook, extra_dict=_global_forward_hooks_always_called)
    if always_call:
        _global_forward_hooks_always_called[h.id] = True
    return h


def register_module_full_backward_pre_hook(hook):
    return _add_global(_global_backward_pre_hooks, hook)


def register_module_full_backward_hook(hook):
    return _add_global(_global_backward_hooks, hook)


class _HookMixin:
    """Forward/backward hook registration and the call path used when any hook is present."""

    def _call_with_hooks(self, args, kwargs):
        for hook_id, hook in (list(_global_forward_pre_hooks.items())
                              + list(self._forward_pre_hooks.items())):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if isinstance(res, tuple) and len(res) == 2:
                        args, kwargs = res
                    else:
                        raise RuntimeError("forward pre-hook must return None or a tuple of "
                                           f"(new_args, new_kwargs), but got {res}.")
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        full = list(_global_backward_hooks.values()) + list(self._backward_hooks.values())
        pre = list(_global_backward_pre_hooks.values()) + list(self._backward_pre_hooks.values())
        bw = None
        if full or pre:
            bw = BackwardHook(self, self._current_full_hooks, self._current_pre_hooks)
            args = bw.setup_input_hook(args)
        fwd_hooks = list(_global_forward_hooks.items()) + list(self._forward_hooks.items())
        called = set()
        try:
            result = self.forward(*args, **kwargs)
            for hook_id, hook in fwd_hooks:
                called.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs:
                    res = hook(self, args, kwargs, result)
                else:
                    res = hook(self, args, result)
                if res is not None:
                    result = res
        except Exception:
            for hook_id, hook in fwd_hooks:
                if hook_id in called:
                    continue
                if hook_id in self._forward_hooks_always_called or \
                        hook_id in _global_forward_hooks_always_called:
                    try:
                        if hook_id in self._forward_hooks_with_kwargs:
                            hook(self, args, kwargs, None)
                        else:
                            hook(self, args, None)
                    except Exception as e:
                        warnings.warn("forward hook with ``always_call=True`` raised an exception "
                                      f"that was silenced as another error was raised in forward: {e}")
            raise
        if bw is not None:
            result = bw.setup_output_hook(result)
        return result

    def _current_full_hooks(self):
        return list(_global_backward_hooks.values()) + list(self._backward_hooks.values())

    def _current_pre_hooks(self):
        return list(_global_backward_pre_hooks.values()) + list(self._backward_pre_hooks.values())

    # -- hooks -----------------------------------------------------------------------------
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        h = _add(self._forward_pre_hooks, hook, prepend, self._forward_pre_hooks_with_kwargs)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[h.id] = True
        return h

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        h = _add(self._forward_hooks, hook, prepend, [self._forward_hooks_with_kwargs,
                                                      self._forward_hooks_always_called])
        if with_kwargs:
            self._forward_hooks_with_kwargs[h.id] = True
        if always_call:
            self._forward_hooks_always_called[h.id] = True
        return h

    def register_full_backward_pre_hook(self, hook, prepend=False):
        return _add(self._backward_pre_hooks, hook, prepend)

    def register_full_backward_hook(self, hook, prepend=False):
        if self._is_full_backward_hook is False:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a "
                               "single Module. Please use only one of them.")
        self._is_full_backward_hook = True
        return _add(self._backward_hooks, hook, prepend)

    def register_backward_hook(self, hook):
        """Legacy hook; dygrad reports the module's full grad_input/grad_output to it."""
        if self._is_full_backward_hook is True:
            raise RuntimeError("Cannot use both regular backward hooks and full backward hooks on a "
                               "single Module. Please use only one of them.")
        self._is_full_backward_hook = False
        return _add(self._backward_hooks, hook)
