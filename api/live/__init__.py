"""Live availability changes: each row inserted into `availability_changes`, on
any replica, reaches the subscriptions of every replica that watch its title and
region (see README, "Live changes")."""
