# The smallest useful step: substitution, a highlight, progress.
echo "Deploying #{App.Name} #{App.Version} to #{Octopus.Environment.Name}"
update_progress 50 "Half way there"
write_highlight "#{App.Name} is live in #{Octopus.Environment.Name}"
update_progress 100 "Done"
