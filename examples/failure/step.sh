# A failing step: stderr is logged at error level, fail_step sets the failure message.
echo "Checking the database migration..."
>&2 echo "migration 0042 is missing"
fail_step "Migration check failed for #{Database}"
echo "never printed"
