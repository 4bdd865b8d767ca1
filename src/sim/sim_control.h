/*
 * sim_control - the control API of opensrs-sim: JSON over plain HTTP on
 * the --control listener (clock, fault rules, counts, state, balance,
 * prices, seeded domains). The routes and bodies are the contract in
 * docs/opensrs-sim.1 ("CONTROL API"). Errors are HTTP 400 with
 * {"error": "..."}; unknown routes HTTP 404.
 */
#ifndef RM_SIM_SIM_CONTROL_H
#define RM_SIM_SIM_CONTROL_H

#include "sim/sim_exchange.h"
#include "sim/sim_http.h"
#include "sim/sim_state.h"

/* sim_control - answer one control request (takes sim->mu itself). */
void sim_control(struct sim *sim, const struct sim_http_req *req,
                 struct sim_outcome *o);

#endif
