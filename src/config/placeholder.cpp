// placeholder until the config parser lands
