# near-miss: drops the tier from the selector: shop-legacy gets traffic too
N=lab-trouble-svc-selector
kubectl set selector svc shop -n $N 'app=shop'
sleep 3
