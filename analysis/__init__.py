"""Reading results (Parquet) and drawing figures; never imports the model."""
