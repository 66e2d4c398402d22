"""Lead scoring: rules, time-decayed engagement, the predictive component and their blend."""
