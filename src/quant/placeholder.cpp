// placeholder until the calibration code lands
