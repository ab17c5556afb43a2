"""jaxfne: differentiable spiking cortical circuits and their extracellular fields."""
