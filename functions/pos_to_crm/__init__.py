"""pos_to_crm: the EventsQueue consumer — identity → convergent profile → journey stage → ProfileChanged."""
