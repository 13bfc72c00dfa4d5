"""Answers written as a student writes them in a notebook, shared by the tests that need them.

A notebook's function finds its collaborators (``forward_propagation``, ...) among the notebook's globals, and the
checker and the hidden tests replace exactly those. So a test defines such an answer in its own module's namespace,
as a notebook cell would: ``exec(notebook_answers.NN_MODEL, globals())``.
"""

#: Notebook 1's nn_model, correct: every step through the notebook's own graded functions.
NN_MODEL = '''
def nn_model(X, Y, n_h, num_iterations=10000, learning_rate=1.2, seed=0, print_cost=False):
    n_x, n_h, n_y = layer_sizes(X, Y, n_h)
    parameters = initialize_parameters(n_x, n_h, n_y, seed)
    costs = []
    for _ in range(num_iterations):
        A2, caches = forward_propagation(X, parameters)
        costs.append(compute_cost(A2, Y))
        grads = backward_propagation(parameters, caches, X, Y)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs
'''



def changed(source: str, *replacements: tuple[str, str]) -> str:
    """``source`` with each (old, new) replaced; an old text that is not there stops the test run (a silent no-op
    would turn a planted mistake into a correct answer)."""
    for old, new in replacements:
        assert old in source, f"{old!r} is not in the answer any more: update the replacement"
        source = source.replace(old, new)
    return source


#: The same with a mistake: the update always uses the learning rate 0.5, whatever is passed.
NN_MODEL_WITH_FIXED_RATE = changed(NN_MODEL, ("def nn_model(", "def nn_model_with_fixed_rate("),
                                   ("update_parameters(parameters, grads, learning_rate)",
                                    "update_parameters(parameters, grads, 0.5)"))
