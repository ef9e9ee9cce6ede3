// SPDX-License-Identifier: MIT
/*
 * What the paper reports (../shared/paper.md, "Results"), exactly as it
 * writes it: the one place the report takes the paper's side of every
 * comparison from. Text, not numbers, because the report quotes the paper
 * at the paper's own precision ("11.9%", not "11.90%").
 */
#include "expt.h"

const struct expt_paper expt_paper = {
	.citation = "Lyoo et al., \"Performance Evaluation of Hypervisor VMs and Nested VMs "
		    "Overcommitting Memory in Nested Virtualization Environments\"",
	.host_kernel = "Linux 3.9.6",
	.fig3_avg = "11.9%",
	.fig3_at8 = "8.04%",
	.fig3_best = "8 GB",
	.fig4_avg = "11.62%",
	.fig4_worst = "13.86%",
	.fig4_fastest = "every benchmark",
	.fig4_past_l1 = "a sharp drop (slower)",
};
