# %% [markdown]
# # 11 Mock exam: timed live tasks
#
# A killer.sh-style session on the course cluster: 15-20 tasks drawn from the course's labs by a blueprint
# (CKA-style, CKAD-style with the cncf/curriculum v1.35 domain weights, or the whole kubelab course), two
# hours, every task graded from live state when you submit, with the hints and reference solutions of what
# you missed. The pass line is 66%.
#
# - **Start** draws the tasks (the same seed draws the same ones), resets and seeds them all, and starts the
#   clock. Work in a terminal (`kubectl`, `docker`): each task says the context and namespace it uses.
# - **Submit** grades every task: score per task and per domain, the total against the pass line.
# - The exam is the same one as `kubelab exam` in a terminal: `kubelab exam status`, `kubelab exam flag N`,
#   `kubelab exam review`, `kubelab exam history`, and `kubelab exam reset` to clean up afterwards.
#
# Details: `docs/exam.md`.

# %%
from kubelab.exam.widgets import exam_panel

exam_panel()

# %% [markdown]
# ## Your scores over time
#
# Every graded run, out of 100; `|` marks the pass line.

# %%
from kubelab.exam.result import history_chart
from kubelab.exam.store import ExamStore

graded = [r.result for r in ExamStore().runs() if r.result]
print(history_chart(graded) if graded else "no graded exam yet")
