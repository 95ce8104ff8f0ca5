# correct: kubectl create job --dry-run, fields added with sed, container renamed, extra fields
N=lab-job-completions
kubectl create job batch -n $N --image=docker.io/library/busybox:1.35.0 --dry-run=client -o yaml -- sh -c 'echo processed item on $(hostname)' > job.yaml
sed -i -e 's/^spec:$/spec:\n  completions: 4\n  parallelism: 2\n  backoffLimit: 2\n  activeDeadlineSeconds: 300\n  completionMode: NonIndexed/' \
       -e 's/^        name: batch$/        name: worker/' job.yaml
cat job.yaml
kubectl apply -f job.yaml
kubectl wait -n $N --for=condition=Complete job/batch --timeout=180s
