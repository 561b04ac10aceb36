"""What leaves the app: the comité de suivi pack (model, PDF, PPTX, images), slides, tabular exports."""
